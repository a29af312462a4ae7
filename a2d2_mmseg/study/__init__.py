"""Study tooling (layer 8, imports nothing at package import):

* :mod:`.comparison`: the model comparison report
  (``tools/analysis/compare_models.py``);
* :mod:`.benchmark`, :mod:`.benchmark_worker`: the model benchmark
  (``tools/analysis/benchmark.py``), on :mod:`.timing`, which
  ``benchmarks/bench_*.py`` share;
* :mod:`.curves`: training curves (``tools/analysis/plot_curves.py``);
* :mod:`.class_weighting`: class weights
  (``tools/analysis/a2d2_class_weights.py``).
"""
