"""What the command lines under ``tools/`` run, as functions: :func:`infer`
(:mod:`.inference`, reading with :mod:`.inputs`, writing with
:mod:`.outputs`), :func:`run_train` and :func:`run_test` (:mod:`.runner`).
Inference keeps mmseg's ``init_model`` + ``inference_model`` rather than
``MMSegInferencer``, which loads checkpoints that do not fit partially and
names classes after Cityscapes.
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
