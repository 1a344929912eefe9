"""``tvm.lower``/``tvm.build`` and the runtime surface (nd arrays, devices, modules)."""

import numpy as np
import pytest

import te_compat as tvm
from stir_core.errors import UserError
from stir_core.ir import Block, BlockRealize, IRModule, PrimFunc, post_order_visit
from te_compat import driver, runtime, te


def vector_add(n=16):
    A = te.placeholder((n,), name="A")
    B = te.placeholder((n,), name="B")
    C = te.compute((n,), lambda i: A[i] + B[i], name="C")
    return A, B, C


def test_lower_returns_module_without_blocks():
    func = te.create_prim_func(list(vector_add()))
    mod = tvm.lower(func)
    assert isinstance(mod, IRModule) and list(mod) == ["main"]
    found = []
    post_order_visit(mod["main"].body, lambda n: found.append(n))
    assert not any(isinstance(n, (Block, BlockRealize)) for n in found)
    assert tvm.lower(tvm.IRModule({"main": func}))["main"] is not None


def test_build_returns_callable_module():
    f = tvm.build(te.create_prim_func(list(vector_add())), target="llvm")
    assert f.entry_name == "__tvm_main__"
    a, b = np.arange(16, dtype="float32"), np.ones(16, dtype="float32")
    c = tvm.nd.empty((16,), "float32", tvm.cpu(0))
    f.get_function("main")(tvm.nd.array(a), tvm.nd.array(b), c)
    np.testing.assert_array_equal(c.numpy(), a + 1)
    assert "define" in f.get_source()


def test_build_from_irmodule_and_lowered_module():
    func = te.create_prim_func(list(vector_add(8)))
    for inp in (tvm.IRModule({"main": func}), tvm.lower(func)):
        f = tvm.build(inp)
        c = np.zeros(8, "float32")
        f(np.ones(8, "float32"), np.ones(8, "float32"), c)
        np.testing.assert_array_equal(c, np.full(8, 2.0, "float32"))


def test_time_evaluator():
    f = tvm.build(te.create_prim_func(list(vector_add())))
    dev = tvm.cpu(0)
    args = [tvm.nd.array(np.ones(16, "float32")) for _ in range(3)]
    result = f.time_evaluator(f.entry_name, dev, number=5, repeat=3)(*args)
    assert len(result.results) == 3
    assert result.mean > 0 and result.min <= result.mean <= result.max
    assert result.median > 0 and result.std >= 0
    np.testing.assert_array_equal(args[2].numpy(), np.full(16, 2.0, "float32"))


def test_unknown_function():
    f = tvm.build(te.create_prim_func(list(vector_add())))
    with pytest.raises(runtime.ModuleFunctionError, match=r"no function 'nope'.*main"):
        f.get_function("nope")


def test_an_unknown_schedule_object_is_refused_with_what_is_accepted():
    class Schedule:
        pass

    with pytest.raises(driver.BuildInputError, match=r"te\.create_schedule schedule"):
        tvm.lower(Schedule(), [])
    with pytest.raises(driver.BuildInputError, match="got Schedule"):
        tvm.build(Schedule(), [])


def test_bad_build_input_and_target():
    with pytest.raises(driver.BuildInputError, match="expected a PrimFunc, an IRModule"):
        tvm.build([1, 2])
    func = te.create_prim_func(list(vector_add()))
    with pytest.raises(driver.TargetError, match="cuda"):
        tvm.build(func, target="cuda")
    assert isinstance(func, PrimFunc)


def test_nd_array_copies_and_round_trips():
    source = np.arange(6, dtype="int32").reshape(2, 3)
    arr = tvm.nd.array(source, tvm.cpu(0))
    source[0, 0] = 100
    assert arr.shape == (2, 3) and arr.dtype == "int32"
    assert arr.numpy()[0, 0] == 0
    view = arr.numpy()
    view[0, 1] = 50
    assert arr.asnumpy()[0, 1] == 1
    arr.copyfrom(np.ones((2, 3), "int32"))
    assert arr.numpy().sum() == 6
    other = tvm.nd.empty((2, 3), "int32")
    arr.copyto(other)
    np.testing.assert_array_equal(other.numpy(), arr.numpy())
    with pytest.raises(UserError, match="does not match"):
        arr.copyfrom(np.ones(3, "int32"))


def test_nd_array_of_non_contiguous_input():
    source = np.arange(12, dtype="float32").reshape(3, 4).T
    arr = tvm.nd.array(source)
    np.testing.assert_array_equal(arr.numpy(), source)


def test_devices():
    assert repr(tvm.cpu(0)) == "cpu(0)"
    assert tvm.device("cpu", 0) == tvm.cpu(0)
    assert tvm.device("llvm") == tvm.cpu(0)
    tvm.cpu().sync()
    with pytest.raises(runtime.DeviceError, match="cuda"):
        tvm.device("cuda", 0)


def test_empty_dtype():
    e = tvm.nd.empty((3,), "float64", tvm.cpu(0))
    assert e.dtype == "float64" and e.shape == (3,)
