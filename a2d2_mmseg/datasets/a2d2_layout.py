"""Finding A2D2 frames on disk: the raw tree, the converter's output and the
seed study's preprocessed masks. Pairing is by scene and frame id, never by
sorted position; anything unpaired is an error that names the file.

Raw tree (``data_root`` holds ``camera_lidar_semantic/``)::

    camera_lidar_semantic/
    ├── class_list.json
    └── 20180807_145028/                      # one scene = one drive
        ├── camera/cam_front_center/
        │   ├── 20180807145028_camera_frontcenter_000000091.png
        │   └── 20180807145028_camera_frontcenter_000000091.json  (ignored)
        └── label/cam_front_center/
            └── 20180807145028_label_frontcenter_000000091.png

Converted tree (``tools/dataset_converters/a2d2.py``)::

    a2d2_converted.json                       # marker + sizes + class names
    class_list.json
    images/<scene>/<ts>_camera_frontcenter_<frame>.png
    labels/<scene>/<ts>_label_frontcenter_<frame>.png   # uint8, 38 cats

Seed layout::

    preprocessed_masks/{train,test}/<n>_mask.npy
    preprocessed_masks/{train,test}_list.json  # n-th entry = n-th mask's image
"""
import json
import os
import os.path as osp
import re
from typing import Dict, List, Optional, Sequence, Tuple, Union

RAW_DIR = 'camera_lidar_semantic'
CAMERA = 'cam_front_center'
CONVERTED_MARKER = 'a2d2_converted.json'
SEED_DIR = 'preprocessed_masks'
LAYOUTS = ('auto', 'raw', 'converted', 'seed')

SPLITS_DIR = osp.join(osp.dirname(osp.abspath(__file__)), 'splits')
DEFAULT_SPLITS = ('train', 'val', 'test')

_SCENE_RE = re.compile(r'^\d{8}_\d{6}$')
_IMG_RE = re.compile(r'^(\d{14})_camera_frontcenter_(\d+)\.(png|jpg)$')
_LABEL_RE = re.compile(r'^(\d{14})_label_frontcenter_(\d+)\.png$')


class A2D2LayoutError(ValueError):
    """A dataset tree that cannot be read; the message names the path."""


def read_scene_list(path: str) -> List[str]:
    """Read a scene list file: one scene folder name per line.

    Text after '#' is a comment; blank lines and surrounding whitespace are
    ignored; the file is UTF-8 (a byte-order mark is allowed).

    Args:
        path (str): The file.

    Returns:
        list[str]: The scene names in file order, each once.

    Raises:
        A2D2LayoutError: The file is missing or unreadable, not UTF-8 text,
            names no scene, or names a scene twice (the message gives the
            file and both line numbers), as a Python list with a duplicate
            is refused too.
    """
    if not osp.isfile(path):
        raise A2D2LayoutError(f'{path}: scene list file not found')
    try:
        with open(path, 'rb') as f:
            raw = f.read()
    except OSError as e:
        raise A2D2LayoutError(f'{path}: cannot read the scene list: {e}'
                              ) from None
    try:
        text = raw.decode('utf-8-sig')
    except UnicodeDecodeError as e:
        line = raw[:e.start].count(b'\n') + 1
        raise A2D2LayoutError(
            f'{path}: line {line}: the scene list is not UTF-8 text (byte '
            f'0x{raw[e.start]:02x} at offset {e.start})') from None
    scenes: List[str] = []
    first_line: Dict[str, int] = {}
    # split('\n') rather than splitlines(): only newlines end a line, so
    # the reported line numbers are the ones an editor shows.
    for number, line in enumerate(text.split('\n'), 1):
        name = line.split('#', 1)[0].strip()
        if not name:
            continue
        if name in first_line:
            raise A2D2LayoutError(
                f'{path}: line {number}: scene list names {name!r} more '
                f'than once (first on line {first_line[name]})')
        first_line[name] = number
        scenes.append(name)
    if not scenes:
        raise A2D2LayoutError(f'{path}: the scene list is empty')
    return scenes


def resolve_scenes(scenes: Union[None, str, Sequence[str]],
                   data_root: str = '') -> Optional[List[str]]:
    """Turn the ``scenes`` argument into a list of names (None = all).

    Args:
        scenes: None for every scene found; a list of scene folder names;
            'train' / 'val' / 'test' for the split lists shipped in
            ``a2d2_mmseg/datasets/splits/`` (the real A2D2 scenes); or the
            path of a text file with one scene per line (relative paths are
            tried against ``data_root`` first, then the working directory).
        data_root (str): The dataset root.
    """
    if scenes is None:
        return None
    if isinstance(scenes, (str, os.PathLike)):
        scenes = os.fspath(scenes)
        if scenes in DEFAULT_SPLITS:
            return read_scene_list(osp.join(SPLITS_DIR, f'{scenes}.txt'))
        candidates = [scenes]
        if data_root and not osp.isabs(scenes):
            candidates.insert(0, osp.join(data_root, scenes))
        for cand in candidates:
            if osp.isfile(cand):
                return read_scene_list(cand)
        raise A2D2LayoutError(
            f'scene list {scenes!r} is neither one of {DEFAULT_SPLITS} nor '
            f'an existing file (looked at {candidates})')
    scenes = list(scenes)
    if not scenes:
        raise A2D2LayoutError('the scene list is empty: name at least one '
                              'scene, or pass scenes=None for all')
    for s in scenes:
        if not isinstance(s, str) or not s:
            raise A2D2LayoutError(f'scene names must be strings, got {s!r}')
    if len(set(scenes)) != len(scenes):
        dup = sorted({s for s in scenes if scenes.count(s) > 1})
        raise A2D2LayoutError(f'scene list names {dup} more than once')
    return scenes


def parse_scenes_option(value: Optional[str],
                        root: str = '') -> Union[None, str, List[str]]:
    """Turn a command line ``--scenes`` value into a ``scenes`` argument.

    'all' or None -> None (every scene); a split name or an existing scene
    list file (as given, or relative to ``root``) is passed on as it is;
    anything else is a comma-separated list of scene names.
    """
    if value is None or value == 'all':
        return None
    if value in DEFAULT_SPLITS or osp.isfile(value) or (
            root and osp.isfile(osp.join(root, value))):
        return value
    return [s.strip() for s in value.split(',') if s.strip()]


def detect_layout(data_root: str) -> str:
    """Return 'raw', 'converted' or 'seed' for a dataset root."""
    if not osp.isdir(data_root):
        raise A2D2LayoutError(f'{data_root}: data_root does not exist or is '
                              'not a folder')
    if osp.isdir(osp.join(data_root, RAW_DIR)):
        return 'raw'
    if osp.isfile(osp.join(data_root, CONVERTED_MARKER)):
        return 'converted'
    if osp.isdir(osp.join(data_root, SEED_DIR)):
        return 'seed'
    if osp.isfile(osp.join(data_root, '.a2d2_converting.json')):
        raise A2D2LayoutError(
            f'{data_root}: an interrupted or failed conversion (no '
            f'{CONVERTED_MARKER} yet): rerun tools/dataset_converters/a2d2.py '
            'with the same options to finish it')
    raise A2D2LayoutError(
        f'{data_root}: no A2D2 data found: expected {RAW_DIR}/ (raw A2D2), '
        f'{CONVERTED_MARKER} (converter output) or {SEED_DIR}/ (seed '
        'layout)')


def _report(problems: Optional[List[dict]], kind: str, path: str,
            message: str) -> None:
    """Raise ``message`` (scan_*), or record it and go on (collect_*)."""
    if problems is None:
        raise A2D2LayoutError(message)
    problems.append(dict(kind=kind, path=path, message=message))


def _select_scenes(root: str, scenes: Optional[List[str]],
                   problems: Optional[List[dict]] = None) -> List[str]:
    if not osp.isdir(root):
        _report(problems, 'missing_folder', root, f'{root}: folder not found')
        return []
    found = sorted(d for d in os.listdir(root)
                   if osp.isdir(osp.join(root, d)))
    if scenes is None:
        if not found:
            _report(problems, 'no_scenes', root, f'{root}: no scene folders')
        return found
    missing = [s for s in scenes if s not in found]
    if missing and problems is None:
        raise A2D2LayoutError(
            f'{root}: scene(s) {missing} named in the scene list are not '
            f'there (found {len(found)} scenes)')
    for s in missing:
        path = osp.join(root, s)
        _report(problems, 'missing_scene', path,
                f'{path}: scene {s} named in the scene list is not there')
    return [s for s in scenes if s in found]


def _index_folder(folder: str, pattern: 're.Pattern', kind: str,
                  scene: str, ignore_ext: Sequence[str] = (),
                  problems: Optional[List[dict]] = None) -> Optional[Dict]:
    """frame id -> file path for one camera/label folder of a scene.

    With ``problems`` (collect mode) a missing folder gives None, and
    unexpected or duplicate names are recorded and skipped.
    """
    if not osp.isdir(folder):
        _report(problems, 'missing_folder', folder,
                f'{folder}: {kind} folder of scene {scene} not found')
        return None
    frames = {}
    for name in sorted(os.listdir(folder)):
        path = osp.join(folder, name)
        if osp.splitext(name)[1].lower() in ignore_ext or osp.isdir(path):
            continue
        m = pattern.match(name)
        if m is None:
            _report(problems, 'unexpected_file_name', path,
                    f'{path}: unexpected file name in the {kind} folder '
                    f'(expected {pattern.pattern})')
            continue
        frame = m.group(2)
        if frame in frames:
            _report(problems, 'duplicate_frame', path,
                    f'{path}: frame {frame} appears twice in {folder} '
                    f'(also {osp.basename(frames[frame])})')
            continue
        frames[frame] = path
    return frames


def _pair(scene: str, images: Dict[str, str], labels: Dict[str, str],
          problems: Optional[List[dict]] = None,
          scene_dir: str = '') -> List[dict]:
    only_img = sorted(set(images) - set(labels))
    only_lbl = sorted(set(labels) - set(images))
    if problems is None and (only_img or only_lbl):
        lines = [f'{images[f]}: image without a label' for f in only_img]
        lines += [f'{labels[f]}: label without an image' for f in only_lbl]
        more = '' if len(lines) <= 10 else f'\n... and {len(lines) - 10} more'
        raise A2D2LayoutError(f'scene {scene}: {len(lines)} unpaired '
                              'file(s):\n' + '\n'.join(lines[:10]) + more)
    for f in only_img:
        _report(problems, 'image_without_label', images[f],
                f'{images[f]}: image without a label')
    for f in only_lbl:
        _report(problems, 'label_without_image', labels[f],
                f'{labels[f]}: label without an image')
    if not images and not labels:
        if problems is None:
            raise A2D2LayoutError(f'scene {scene}: no frames (empty scene)')
        _report(problems, 'empty_scene', scene_dir or scene,
                f'{scene_dir or scene}: no frames (empty scene {scene})')
    return [
        dict(img_path=images[f], seg_map_path=labels[f], scene=scene,
             frame=f) for f in sorted(images) if f in labels
    ]


def _scan_raw(data_root, scenes, problems):
    root = osp.join(data_root, RAW_DIR)
    frames = []
    for scene in _select_scenes(root, scenes, problems):
        base = osp.join(root, scene)
        images = _index_folder(osp.join(base, 'camera', CAMERA), _IMG_RE,
                               'camera', scene, ('.json', ), problems)
        labels = _index_folder(osp.join(base, 'label', CAMERA), _LABEL_RE,
                               'label', scene, (), problems)
        if images is not None and labels is not None:
            frames += _pair(scene, images, labels, problems, base)
    return frames


def _scan_converted(data_root, scenes, problems):
    frames = []
    for scene in _select_scenes(osp.join(data_root, 'images'), scenes,
                                problems):
        images = _index_folder(osp.join(data_root, 'images', scene), _IMG_RE,
                               'images', scene, (), problems)
        labels = _index_folder(osp.join(data_root, 'labels', scene),
                               _LABEL_RE, 'labels', scene, (), problems)
        if images is not None and labels is not None:
            frames += _pair(scene, images, labels, problems,
                            osp.join(data_root, 'images', scene))
    return frames


def scan_raw(data_root: str,
             scenes: Optional[List[str]] = None) -> List[dict]:
    """List the front-centre frames of a raw A2D2 tree, paired by frame id.

    Returns:
        list[dict]: ``img_path``, ``seg_map_path``, ``scene``, ``frame`` per
        frame, sorted by scene then frame id.

    Raises:
        A2D2LayoutError: At the first problem (see :func:`collect_raw`).
    """
    return _scan_raw(data_root, scenes, None)


def scan_converted(data_root: str,
                   scenes: Optional[List[str]] = None) -> List[dict]:
    """List the frames of a converter output tree (same pairing rules)."""
    return _scan_converted(data_root, scenes, None)


def collect_raw(data_root: str, scenes: Optional[List[str]] = None
                ) -> Tuple[List[dict], List[dict]]:
    """Like :func:`scan_raw`, but never raises for a problem of the tree.

    Returns:
        tuple: ``(frames, problems)``: the frames that pair up, and every
        problem found across all scenes as ``dict(kind, path, message)``.
        Kinds: 'missing_folder', 'no_scenes', 'missing_scene',
        'unexpected_file_name', 'duplicate_frame', 'image_without_label',
        'label_without_image', 'empty_scene'.
    """
    problems: List[dict] = []
    return _scan_raw(data_root, scenes, problems), problems


def collect_converted(data_root: str, scenes: Optional[List[str]] = None
                      ) -> Tuple[List[dict], List[dict]]:
    """Like :func:`scan_converted`; see :func:`collect_raw`."""
    problems: List[dict] = []
    return _scan_converted(data_root, scenes, problems), problems


def read_converted_meta(data_root: str) -> dict:
    """Read ``a2d2_converted.json`` of a converter output tree."""
    path = osp.join(data_root, CONVERTED_MARKER)
    try:
        with open(path, encoding='utf-8') as f:
            meta = json.load(f)
    except (OSError, ValueError) as e:
        raise A2D2LayoutError(f'{path}: cannot read: {e}') from e
    if not isinstance(meta, dict) or meta.get('format') != 'a2d2_mmseg':
        raise A2D2LayoutError(f'{path}: not an a2d2_mmseg converter marker')
    return meta


_SEED_MASK_RE = re.compile(r'^(\d+)_mask\.npy$')


def _scan_seed(data_root, split, scenes, problems):
    base = osp.join(data_root, SEED_DIR)
    list_path = osp.join(base, f'{split}_list.json')
    if not osp.isfile(list_path):
        _report(problems, 'missing_file', list_path,
                f'{list_path}: seed list file not found (split={split!r})')
        return []
    try:
        with open(list_path, encoding='utf-8') as f:
            entries = json.load(f)
    except ValueError as e:  # JSONDecodeError and UnicodeDecodeError
        _report(problems, 'malformed_seed_list', list_path,
                f'{list_path}: malformed JSON: {e}')
        return []
    if not isinstance(entries, list):
        _report(problems, 'malformed_seed_list', list_path,
                f'{list_path}: expected a JSON list of images')
        return []
    frames = []
    bad_entries = 0
    for n, entry in enumerate(entries):
        img = entry.get('image') if isinstance(entry, dict) else entry
        if not isinstance(img, str):
            _report(problems, 'malformed_seed_list', list_path,
                    f'{list_path}: entry {n} names no image ({entry!r})')
            bad_entries += 1
            continue
        img_path = img if osp.isabs(img) else osp.join(data_root, img)
        mask = osp.join(base, split, f'{n}_mask.npy')
        missing = False
        for path, what in ((img_path, 'image'), (mask, 'mask')):
            if not osp.isfile(path):
                _report(problems, 'missing_file', path,
                        f'{path}: {what} of entry {n} in {list_path} not '
                        'found')
                missing = True
        if missing:
            bad_entries += 1
            continue
        m = _IMG_RE.match(osp.basename(img_path))
        scene = (f'{m.group(1)[:8]}_{m.group(1)[8:]}' if m else '')
        if scenes is not None and scene not in scenes:
            continue
        frames.append(dict(img_path=img_path, seg_map_path=mask,
                           scene=scene, frame=m.group(2) if m else str(n)))
    if problems is not None:
        # Collect mode also reports masks that no list entry names.
        folder = osp.join(base, split)
        names = sorted(os.listdir(folder)) if osp.isdir(folder) else []
        for name in names:
            path = osp.join(folder, name)
            m = _SEED_MASK_RE.match(name)
            if m is None:
                if not osp.isdir(path):
                    _report(problems, 'unexpected_file_name', path,
                            f'{path}: unexpected file name in the mask '
                            f'folder (expected {_SEED_MASK_RE.pattern})')
            elif int(m.group(1)) >= len(entries) or name != (
                    f'{int(m.group(1))}_mask.npy'):
                _report(problems, 'label_without_image', path,
                        f'{path}: mask without an entry in {list_path}')
    if not frames and not bad_entries:
        _report(problems, 'no_frames', list_path,
                f'{list_path}: no frames selected')
    return frames


def scan_seed(data_root: str, split: str,
              scenes: Optional[List[str]] = None) -> List[dict]:
    """List the frames of the seed study's ``preprocessed_masks`` layout.

    ``preprocessed_masks/<split>_list.json`` lists the camera images in mask
    order: entry ``n`` (a path relative to ``data_root``, or a dict with an
    ``image`` key) is the image of ``preprocessed_masks/<split>/<n>_mask.npy``.
    """
    return _scan_seed(data_root, split, scenes, None)


def collect_seed(data_root: str, split: str,
                 scenes: Optional[List[str]] = None
                 ) -> Tuple[List[dict], List[dict]]:
    """Like :func:`scan_seed`, but records every problem and goes on.

    Kinds as :func:`collect_raw`, plus 'missing_file' (the list, or an image
    or mask it names), 'malformed_seed_list' and 'no_frames'; masks no entry
    names are 'label_without_image'.
    """
    problems: List[dict] = []
    return _scan_seed(data_root, split, scenes, problems), problems
