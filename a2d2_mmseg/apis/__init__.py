"""What the command lines under ``tools/`` run, as functions.

:func:`infer` (``tools/infer.py``, :mod:`.inference`) segments images or a
video with PyTorch or onnxruntime; :func:`load_model` loads a trained
segmentor safely; :class:`Source` reads the frames (:mod:`.inputs`),
:class:`OutputWriter` writes them (:mod:`.outputs`). :func:`run_train` and
:func:`run_test` are ``tools/train.py`` and ``tools/test.py``
(:mod:`.runner`). Inference keeps mmseg's ``init_model`` +
``inference_model`` rather than ``MMSegInferencer``, which loads checkpoints
that do not fit partially and names classes after Cityscapes.
"""
from a2d2_mmseg.apis import inference, inputs, outputs, runner
from a2d2_mmseg.apis.inference import (INFER_ERRORS, InferenceIncompleteError,
                                       batches, infer, load_model)
from a2d2_mmseg.apis.inputs import (IMAGE_EXTENSIONS, VIDEO_EXTENSIONS,
                                    InferenceInputError, SkippedInputWarning,
                                    Source, frame_names, list_images,
                                    read_image)
from a2d2_mmseg.apis.outputs import (OUTPUT_KINDS, VIDEO_NAME, OutputWriter,
                                     check_inputs_apart, write_png)
from a2d2_mmseg.apis.runner import (configure_test, configure_train,
                                    parse_test_args, parse_train_args,
                                    run_test, run_train)

__all__ = (
    inference.__all__ + inputs.__all__ + outputs.__all__ + runner.__all__)
