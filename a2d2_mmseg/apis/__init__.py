"""What the command lines under ``tools/`` run, as functions.

Inference (``tools/infer.py``):

* :func:`infer` segments an image, a folder of images or a video and
  writes index, colour and overlay PNGs (and ``overlay.mp4``), with PyTorch
  or onnxruntime (:mod:`.inference`);
* :func:`load_model` loads a trained segmentor safely, refusing a
  checkpoint that does not fit it (:mod:`.model`);
* :class:`Source` reads the frames of an input (:mod:`.inputs`),
  :class:`OutputWriter` writes the files of each frame (:mod:`.outputs`).

It keeps mmseg's ``init_model`` + ``inference_model`` rather than
``MMSegInferencer``, which loads checkpoints that do not fit the model
partially, names classes after Cityscapes without a checkpoint's names and
names its outputs ``00000000_pred.png``.

Training and testing (``tools/train.py``, ``tools/test.py``): mmseg's tools
with the plugin's fixes, :func:`run_train` and :func:`run_test` on the
parsed command line (:mod:`.runner`).
"""
from a2d2_mmseg.apis import inference, inputs, model, outputs, runner
from a2d2_mmseg.apis.inference import INFER_ERRORS, InferenceIncompleteError, batches, infer
from a2d2_mmseg.apis.inputs import (IMAGE_EXTENSIONS, VIDEO_EXTENSIONS, InferenceInputError,
                     SkippedInputWarning, Source, frame_names, list_images,
                     read_image)
from a2d2_mmseg.apis.model import load_model
from a2d2_mmseg.apis.outputs import (OUTPUT_KINDS, VIDEO_NAME, OutputWriter,
                      check_inputs_apart, write_png)
from a2d2_mmseg.apis.runner import (build_runner, configure_test, configure_train,
                     enable_amp, enable_auto_scale_lr, load_run_config,
                     parse_test_args, parse_train_args, run_test, run_train,
                     trigger_visualization_hook)

__all__ = (
    inference.__all__ + inputs.__all__ + model.__all__ + outputs.__all__ +
    runner.__all__)
