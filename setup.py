"""a2d2_mmseg: the Audi A2D2 dataset for MMSegmentation 1.x."""
import os.path as osp
import re

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))


def read_requirements(name):
    """Requirement lines of requirements/<name>, comments dropped."""
    with open(osp.join(HERE, 'requirements', name)) as f:
        lines = (line.split('#', 1)[0].strip() for line in f)
        return [line for line in lines if line]


def read_version():
    with open(osp.join(HERE, 'a2d2_mmseg', 'version.py')) as f:
        return re.search(r"__version__ = '([^']+)'", f.read()).group(1)


setup(
    name='a2d2_mmseg',
    version=read_version(),
    description='Audi A2D2 semantic segmentation for MMSegmentation 1.x',
    long_description=open(osp.join(HERE, 'README.md'), encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    license='Apache-2.0',
    python_requires='>=3.8',
    packages=find_packages(include=['a2d2_mmseg', 'a2d2_mmseg.*']),
    package_data={'a2d2_mmseg': ['a2d2/splits/*.txt']},
    include_package_data=True,
    install_requires=read_requirements('runtime.txt'),
    extras_require={'all': read_requirements('optional.txt')},
    zip_safe=False,
)
