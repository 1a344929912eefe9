"""Classic TVM tutorial schedules with only the import changed, as runnable scripts.

Each script builds its kernels with ``tvm.build(s, [...], target="llvm", name=...)``, runs
them on ``tvm.nd`` arrays, checks the result against numpy (``np.testing``) and times them
with ``f.time_evaluator``. Sizes are smaller than the tutorials' so the suite stays fast.
The tests run them with ``runpy`` and feed them to ``te-compat bounds``.
"""

GEMM = """
# "How to optimize GEMM on CPU", every version
import numpy
import numpy as np
import te_compat as tvm
from te_compat import te

M = K = N = 128
dtype = "float32"
target = "llvm"
dev = tvm.device(target, 0)
a = tvm.nd.array(numpy.random.rand(M, K).astype(dtype), dev)
b = tvm.nd.array(numpy.random.rand(K, N).astype(dtype), dev)
answer = numpy.dot(a.numpy(), b.numpy())

k = te.reduce_axis((0, K), "k")
A = te.placeholder((M, K), name="A")
B = te.placeholder((K, N), name="B")
C = te.compute((M, N), lambda m, n: te.sum(A[m, k] * B[k, n], axis=k), name="C")
bn = 32
kfactor = 4
results = {}


def check(s, args, version):
    func = tvm.build(s, args, target=target, name="mmult")
    assert func
    c = tvm.nd.array(numpy.zeros((M, N), dtype=dtype), dev)
    func(a, b, c)
    np.testing.assert_allclose(c.numpy(), answer, rtol=1e-5)
    evaluator = func.time_evaluator(func.entry_name, dev, number=2)
    results[version] = evaluator(a, b, c).mean


# Default
s = te.create_schedule(C.op)
check(s, [A, B, C], "default")

# Blocking
s = te.create_schedule(C.op)
mo, no, mi, ni = s[C].tile(C.op.axis[0], C.op.axis[1], bn, bn)
(kaxis,) = s[C].op.reduce_axis
ko, ki = s[C].split(kaxis, factor=kfactor)
s[C].reorder(mo, no, ko, ki, mi, ni)
check(s, [A, B, C], "blocking")

# Vectorization
s = te.create_schedule(C.op)
mo, no, mi, ni = s[C].tile(C.op.axis[0], C.op.axis[1], bn, bn)
(kaxis,) = s[C].op.reduce_axis
ko, ki = s[C].split(kaxis, factor=kfactor)
s[C].reorder(mo, no, ko, ki, mi, ni)
s[C].vectorize(ni)
check(s, [A, B, C], "vectorization")

# Loop permutation
s = te.create_schedule(C.op)
mo, no, mi, ni = s[C].tile(C.op.axis[0], C.op.axis[1], bn, bn)
(kaxis,) = s[C].op.reduce_axis
ko, ki = s[C].split(kaxis, factor=kfactor)
s[C].reorder(mo, no, ko, mi, ki, ni)
s[C].vectorize(ni)
check(s, [A, B, C], "loop permutation")

# Array packing
packedB = te.compute(
    (N / bn, K, bn), lambda bigN, k, littleN: B[k, bigN * bn + littleN], name="packedB"
)
C = te.compute(
    (M, N),
    lambda m, n: te.sum(A[m, k] * packedB[n // bn, k, tvm.tir.indexmod(n, bn)], axis=k),
    name="C",
)
s = te.create_schedule(C.op)
mo, no, mi, ni = s[C].tile(C.op.axis[0], C.op.axis[1], bn, bn)
(kaxis,) = s[C].op.reduce_axis
ko, ki = s[C].split(kaxis, factor=kfactor)
s[C].reorder(mo, no, ko, mi, ki, ni)
s[C].vectorize(ni)
bigN, _, littleN = s[packedB].op.axis
s[packedB].vectorize(littleN)
s[packedB].parallel(bigN)
check(s, [A, B, C], "array packing")

# Write cache for blocks
s = te.create_schedule(C.op)
CC = s.cache_write(C, "global")
mo, no, mi, ni = s[C].tile(C.op.axis[0], C.op.axis[1], bn, bn)
s[CC].compute_at(s[C], no)
mc, nc = s[CC].op.axis
(kaxis,) = s[CC].op.reduce_axis
ko, ki = s[CC].split(kaxis, factor=kfactor)
s[CC].reorder(ko, mc, ki, nc)
s[CC].vectorize(nc)
s[CC].unroll(ki)
bigN, _, littleN = s[packedB].op.axis
s[packedB].vectorize(littleN)
s[packedB].parallel(bigN)
check(s, [A, B, C], "write cache")

# Parallel
s = te.create_schedule(C.op)
CC = s.cache_write(C, "global")
mo, no, mi, ni = s[C].tile(C.op.axis[0], C.op.axis[1], bn, bn)
s[CC].compute_at(s[C], no)
mc, nc = s[CC].op.axis
(kaxis,) = s[CC].op.reduce_axis
ko, ki = s[CC].split(kaxis, factor=kfactor)
s[CC].reorder(ko, mc, ki, nc)
s[CC].vectorize(nc)
s[CC].unroll(ki)
s[C].parallel(mo)
bigN, _, littleN = s[packedB].op.axis
s[packedB].vectorize(littleN)
s[packedB].parallel(bigN)
check(s, [A, B, C], "parallel")
print(tvm.lower(s, [A, B, C], simple_mode=True))
"""

REDUCTION = """
# "Reduction" tutorial, on the CPU: rfactor, then parallel instead of GPU threads
import numpy as np
import te_compat as tvm
from te_compat import te

n, m = 96, 128
A = te.placeholder((n, m), name="A")
k = te.reduce_axis((0, m), "k")
B = te.compute((n,), lambda i: te.sum(A[i, k], axis=k), name="B")
s = te.create_schedule(B.op)
ko, ki = s[B].split(B.op.reduce_axis[0], factor=16)
BF = s.rfactor(B, ki)
print(tvm.lower(s, [A, B], simple_mode=True))
xo, xi = s[B].split(s[B].op.axis[0], factor=32)
s[B].parallel(xo)
s[BF].compute_at(s[B], s[B].op.reduce_axis[0])
dev = tvm.cpu(0)
f = tvm.build(s, [A, B], target="llvm", name="sum_rows")
a = tvm.nd.array(np.random.uniform(size=(n, m)).astype(A.dtype), dev)
b = tvm.nd.array(np.zeros(n, dtype=B.dtype), dev)
f(a, b)
np.testing.assert_allclose(b.numpy(), np.sum(a.numpy(), axis=1), rtol=1e-4)
mean = f.time_evaluator(f.entry_name, dev, number=2)(a, b).mean
"""

CONV2D = """
# conv2d NCHW in the style of TOPI's x86 schedule: padded input at the output tile
import numpy as np
import te_compat as tvm
from te_compat import te

batch, in_c, size, out_c, kernel, pad = 1, 8, 14, 16, 3, 1
oc_bn, ow_bn = 8, 4
out_size = size + 2 * pad - kernel + 1
data = te.placeholder((batch, in_c, size, size), name="data")
weight = te.placeholder((out_c, in_c, kernel, kernel), name="weight")
padded = te.compute(
    (batch, in_c, size + 2 * pad, size + 2 * pad),
    lambda n, c, y, x: tvm.tir.if_then_else(
        tvm.tir.all(y >= pad, y < size + pad, x >= pad, x < size + pad),
        data[n, c, y - pad, x - pad],
        tvm.tir.const(0.0, "float32"),
    ),
    name="data_pad",
)
rc = te.reduce_axis((0, in_c), name="rc")
ry = te.reduce_axis((0, kernel), name="ry")
rx = te.reduce_axis((0, kernel), name="rx")
conv = te.compute(
    (batch, out_c, out_size, out_size),
    lambda n, f, y, x: te.sum(
        padded[n, rc, y + ry, x + rx] * weight[f, rc, ry, rx], axis=[rc, ry, rx]
    ),
    name="conv2d",
)
s = te.create_schedule(conv.op)
n, f, y, x = s[conv].op.axis
rc, ry, rx = s[conv].op.reduce_axis
oc_chunk, oc_block = s[conv].split(f, factor=oc_bn)
ow_chunk, ow_block = s[conv].split(x, factor=ow_bn)
s[conv].reorder(n, oc_chunk, y, ow_chunk, rc, ry, rx, ow_block, oc_block)
s[conv].vectorize(oc_block)
s[conv].unroll(ow_block)
parallel_axis = s[conv].fuse(n, oc_chunk, y)
s[conv].parallel(parallel_axis)
s[padded].compute_at(s[conv], ow_chunk)
dev = tvm.cpu(0)
func = tvm.build(s, [data, weight, conv], target="llvm", name="conv2d_nchw")
d = np.random.uniform(size=(batch, in_c, size, size)).astype("float32")
w = np.random.uniform(size=(out_c, in_c, kernel, kernel)).astype("float32")
out = tvm.nd.empty((batch, out_c, out_size, out_size), "float32", dev)
func(tvm.nd.array(d, dev), tvm.nd.array(w, dev), out)
p = np.pad(d, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
expected = np.zeros((batch, out_c, out_size, out_size), "float32")
for dy in range(kernel):
    for dx in range(kernel):
        window = p[:, :, dy : dy + out_size, dx : dx + out_size]
        expected += np.einsum("nchw,fc->nfhw", window, w[:, :, dy, dx])
np.testing.assert_allclose(out.numpy(), expected, rtol=1e-4)
mean = func.time_evaluator(func.entry_name, dev, number=2)(
    tvm.nd.array(d, dev), tvm.nd.array(w, dev), out
).mean
"""

SOFTMAX = """
# softmax with the max and sum stages computed at the row loop
import numpy as np
import te_compat as tvm
from te_compat import te

m, n = 64, 100
x = te.placeholder((m, n), name="x")
k1 = te.reduce_axis((0, n), name="k1")
max_elem = te.compute((m,), lambda i: te.max(x[i, k1], axis=k1), name="max_elem")
exp = te.compute((m, n), lambda i, j: te.exp(x[i, j] - max_elem[i]), name="exp")
k2 = te.reduce_axis((0, n), name="k2")
expsum = te.compute((m,), lambda i: te.sum(exp[i, k2], axis=k2), name="expsum")
softmax = te.compute((m, n), lambda i, j: exp[i, j] / expsum[i], name="softmax")
s = te.create_schedule(softmax.op)
i, j = s[softmax].op.axis
jo, ji = s[softmax].split(j, factor=4)
s[softmax].vectorize(ji)
s[softmax].parallel(i)
s[expsum].compute_at(s[softmax], i)
s[exp].compute_at(s[softmax], i)
s[max_elem].compute_at(s[softmax], i)
dev = tvm.cpu(0)
f = tvm.build(s, [x, softmax], target="llvm", name="softmax")
a = np.random.uniform(size=(m, n)).astype("float32")
out = tvm.nd.empty((m, n), "float32", dev)
f(tvm.nd.array(a, dev), out)
e = np.exp(a - a.max(axis=1, keepdims=True))
np.testing.assert_allclose(out.numpy(), e / e.sum(axis=1, keepdims=True), rtol=1e-5)
mean = f.time_evaluator(f.entry_name, dev, number=2)(tvm.nd.array(a, dev), out).mean
"""

SCRIPTS = {"gemm": GEMM, "reduction": REDUCTION, "conv2d": CONV2D, "softmax": SOFTMAX}


# ---------------------------------------------------------------------------------- tests

import json  # noqa: E402
import runpy  # noqa: E402

import pytest  # noqa: E402

from te_compat.cli import main  # noqa: E402


def _script(tmp_path, name):
    path = tmp_path / f"{name}.py"
    path.write_text(SCRIPTS[name])
    return str(path)


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_tutorial_script_builds_and_matches_numpy(tmp_path, name):
    result = runpy.run_path(_script(tmp_path, name), run_name="__main__")
    if name == "gemm":
        versions = ["default", "blocking", "vectorization", "loop permutation"]
        versions += ["array packing", "write cache", "parallel"]
        assert list(result["results"]) == versions
        assert all(t > 0 for t in result["results"].values())
    else:
        assert result["mean"] > 0


def _bounds_json(tmp_path, name, capsys):
    assert main(["bounds", _script(tmp_path, name), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_bounds_command_covers_tutorial(tmp_path, name, capsys):
    reports = _bounds_json(tmp_path, name, capsys)
    assert len(reports) == (7 if name == "gemm" else 1)
    for report in reports:
        totals = report["totals"]
        assert totals["computed_exact"] <= totals["computed_classic"]
        for stage in report["stages"]:
            for row in stage["itervars"]:
                assert row["exact_max"] <= row["classic_max"], (stage["name"], row)
    assert main(["bounds", _script(tmp_path, name)]) == 0
    assert "computed classic" in capsys.readouterr().out


def test_bounds_of_conv2d_padded_tile_and_rfactor(tmp_path, capsys):
    (conv,) = _bounds_json(tmp_path, "conv2d", capsys)
    pad = conv["stages"][0]
    assert pad["name"] == "data_pad" and pad["attach"] == "conv2d.x.outer"
    # a 4-wide output tile needs 6 input columns; the last of 14/4 tiles needs only 4
    assert (pad["alloc_classic"], pad["alloc_exact"]) == (144, 144)
    assert (pad["computed_classic"], pad["computed_exact"]) == (16128, 14784)
    (red,) = _bounds_json(tmp_path, "reduction", capsys)
    assert [s["name"] for s in red["stages"]] == ["B.rf", "B.repl"]
    assert red["stages"][0]["computed_exact"] == 96 * 128
