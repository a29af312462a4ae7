"""What the command lines under ``tools/`` run, as functions: :func:`infer`
(:mod:`.inference`, inputs read by its ``Source``), :func:`run_train` and
:func:`run_test` (:mod:`.runner`). Inference keeps mmseg's ``init_model`` +
``inference_model`` rather than ``MMSegInferencer``, which loads checkpoints
that do not fit partially and names classes after Cityscapes.
"""
from a2d2_mmseg.apis import inference, runner
from a2d2_mmseg.apis.inference import (IMAGE_EXTENSIONS, INFER_ERRORS,
                                       OUTPUT_KINDS, VIDEO_EXTENSIONS,
                                       VIDEO_NAME, InferenceIncompleteError,
                                       InferenceInputError,
                                       SkippedInputWarning, Source, batches,
                                       check_inputs_apart, frame_names, infer,
                                       list_images, load_model, read_image)
from a2d2_mmseg.apis.runner import (add_cfg_options, add_model_args,
                                    configure_test, configure_train,
                                    parse_test_args, parse_train_args,
                                    run_test, run_train)

__all__ = inference.__all__ + runner.__all__
