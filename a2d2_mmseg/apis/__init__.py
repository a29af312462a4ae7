"""What the command lines under ``tools/`` run, as functions: :func:`infer`
(:mod:`.inference`, reading with :mod:`.inputs`), :func:`run_train` and
:func:`run_test` (:mod:`.runner`). Inference keeps mmseg's ``init_model`` +
``inference_model`` rather than ``MMSegInferencer``, which loads checkpoints
that do not fit partially and names classes after Cityscapes.
"""
from a2d2_mmseg.apis import inference, inputs, runner
from a2d2_mmseg.apis.inference import (INFER_ERRORS, OUTPUT_KINDS, VIDEO_NAME,
                                       InferenceIncompleteError, batches,
                                       check_inputs_apart, infer, load_model,
                                       write_png)
from a2d2_mmseg.apis.inputs import (IMAGE_EXTENSIONS, VIDEO_EXTENSIONS,
                                    InferenceInputError, SkippedInputWarning,
                                    Source, frame_names, list_images,
                                    read_image)
from a2d2_mmseg.apis.runner import (add_model_args, configure_test,
                                    configure_train, parse_test_args,
                                    parse_train_args, run_test, run_train)

__all__ = inference.__all__ + inputs.__all__ + runner.__all__
