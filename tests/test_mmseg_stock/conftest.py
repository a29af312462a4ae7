"""One tiny model trained by mmseg's own ``tools/train.py``, and mmseg's
other tools run on it, shared by the tests of this package (see
:mod:`tests.fixtures.stock`).

The tool runs after training do not depend on each other (but for the
confusion matrix, which reads the test run's predictions), so
:func:`tool_runs` runs them two at a time, one lane per core.
"""
import glob
import os.path as osp
import shutil
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest
import torch

from tests.fixtures.stock import TEST_SCENE, run_tool, stock_tool, tiny_config
from tests.fixtures.training import check, write_tiny_tree

# Loads a checkpoint the way mmseg's publish_model.py and any script without
# the plugin do (torch's default weights_only=True), and reports what it
# found and which OpenMMLab modules it imported.
PLAIN_LOAD = '''
import sys
import torch
path = sys.argv[1]
checkpoint = torch.load(path, map_location='cpu')
print(torch.serialization.get_unsafe_globals_in_checkpoint(path))
print(sorted(checkpoint))
meta = checkpoint['meta']
print(meta['iter'], meta['dataset_meta']['classes'])
loss = checkpoint['message_hub']['log_scalars']['train/loss']
print(loss['__a2d2_plain__'], loss['log_history']['data'].dtype)
openmmlab = ('a2d2_mmseg', 'mmengine', 'mmseg', 'mmcv')
print(sorted(m for m in sys.modules if m.split('.')[0] in openmmlab))
'''


@pytest.fixture(scope='package', autouse=True)
def one_torch_thread():
    """Run the in-process models on one thread, as the tool processes do
    (``OMP_NUM_THREADS=1``): the tiny models gain nothing from more, and
    threads that wait for each other on a busy machine take seconds."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope='package')
def trained(tmp_path_factory):
    """``tools/train.py`` of mmseg on the tiny config: one iteration, one
    validation, checkpoint ``iter_1.pth``.

    Attributes: ``tmp``, ``root`` (the tree), ``config`` (the tiny config
    file), ``work_dir``, ``checkpoint``, ``images`` (a folder holding only
    the test scene's camera PNGs: mmseg's inferencer reads every file of a
    folder, and A2D2's camera folders also hold per-frame JSON files),
    ``image_paths`` (the test frames, sorted) and ``log``.
    """
    tmp = tmp_path_factory.mktemp('stock')
    root = str(tmp / 'a2d2')
    write_tiny_tree(root)
    config = str(tmp / 'tiny_unet.py')
    tiny_config(root).dump(config)
    work_dir = str(tmp / 'train')
    log = check(
        run_tool([stock_tool('train.py'), config, '--work-dir', work_dir],
                 cwd=str(tmp)))
    image_paths = sorted(
        glob.glob(
            osp.join(root, 'camera_lidar_semantic', TEST_SCENE, 'camera',
                     'cam_front_center', '*.png')))
    images = tmp / 'images'
    images.mkdir()
    for path in image_paths:
        shutil.copy(path, images)
    return SimpleNamespace(
        tmp=tmp,
        root=root,
        config=config,
        work_dir=work_dir,
        checkpoint=osp.join(work_dir, 'iter_1.pth'),
        images=str(images),
        image_paths=image_paths,
        log=log)


@pytest.fixture(scope='package')
def tool_runs(trained):
    """mmseg's tools on the trained model, each in its own process.

    Returns a namespace of ``subprocess.CompletedProcess`` by run (``test``,
    ``confusion``, ``publish``, ``tta``, ``resume``, ``analyze_logs``,
    ``plain_load``) and the paths they write (``show_dir``, ``out``,
    ``confusion_dir``, ``publish_dir``, ``out_tta``, ``resume_dir``,
    ``curves``, ``json_log``):

    * ``test``: ``test.py CONFIG CKPT --show-dir --out`` with the train
      set's ``data_root`` pointing nowhere (drawing needs the test set only);
    * ``confusion``: ``confusion_matrix.py`` on ``test``'s predictions;
    * ``publish``: ``misc/publish_model.py`` on the checkpoint;
    * ``tta``: ``test.py CONFIG CKPT --tta --out``;
    * ``resume``: ``train.py CONFIG --resume`` in a copy of the work dir, to
      iteration 2;
    * ``analyze_logs``: ``analysis_tools/analyze_logs.py`` on the training's
      JSON log (loss and mIoU curves);
    * ``plain_load``: :data:`PLAIN_LOAD` on the checkpoint.
    """
    tmp = trained.tmp
    paths = SimpleNamespace(
        show_dir=str(tmp / 'show'),
        out=str(tmp / 'pred'),
        confusion_dir=str(tmp / 'confusion'),
        publish_dir=tmp / 'publish',
        out_tta=str(tmp / 'pred_tta'),
        resume_dir=str(tmp / 'resume'),
        curves=str(tmp / 'curves.png'),
        json_log=glob.glob(
            osp.join(trained.work_dir, '*', 'vis_data', 'scalars.json'))[0])
    paths.publish_dir.mkdir()
    shutil.copytree(trained.work_dir, paths.resume_dir)
    # The copy's last_checkpoint names the original's checkpoint, which
    # --resume refuses (another folder's): point it at the copy's.
    record = osp.join(paths.resume_dir, 'last_checkpoint')
    with open(record) as f:
        name = osp.basename(f.read().strip())
    with open(record, 'w') as f:
        f.write(osp.join(paths.resume_dir, name))
    config, checkpoint = trained.config, trained.checkpoint
    lanes = [
        [('test', [
            stock_tool('test.py'), config, checkpoint, '--work-dir',
            tmp / 'test', '--show-dir', paths.show_dir, '--out', paths.out,
            '--cfg-options', 'train_dataloader.dataset.data_root=/nonexistent'
        ]),
         ('confusion', [
             stock_tool('analysis_tools', 'confusion_matrix.py'), config,
             paths.out, paths.confusion_dir
         ]),
         ('publish', [
             stock_tool('misc', 'publish_model.py'), checkpoint,
             paths.publish_dir / 'model.pth'
         ])],
        [('tta', [
            stock_tool('test.py'), config, checkpoint, '--work-dir',
            tmp / 'test_tta', '--tta', '--out', paths.out_tta
        ]),
         ('resume', [
             stock_tool('train.py'), config, '--work-dir', paths.resume_dir,
             '--resume', '--cfg-options', 'train_cfg.max_iters=2'
         ]),
         ('analyze_logs', [
             stock_tool('analysis_tools', 'analyze_logs.py'), paths.json_log,
             '--keys', 'loss', 'mIoU', '--backend', 'agg', '--out',
             paths.curves
         ]), ('plain_load', ['-c', PLAIN_LOAD, checkpoint])],
    ]

    def run_lane(lane):
        return {name: run_tool(args, cwd=str(tmp)) for name, args in lane}

    with ThreadPoolExecutor(max_workers=len(lanes)) as pool:
        for done in pool.map(run_lane, lanes):
            vars(paths).update(done)
    return paths
