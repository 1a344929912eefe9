"""A persistent native thread pool, written in LLVM IR on libc's pthread functions.

The runtime module is compiled once per process (``get_pool()``), which creates the worker
threads; kernels call its ``stir_parallel_for(task, closure, extent)``:

    void stir_parallel_for(void (*task)(i8*, i64 begin, i64 end), i8* closure, i64 extent)

The iteration space is cut into at most ``CHUNKS_PER_THREAD * threads`` chunks. The caller
publishes the job under the pool mutex, wakes the workers, takes chunks itself, then waits
until every chunk is done. Chunks are claimed by a compare-and-swap on one 64-bit counter
holding ``generation << 32 | next chunk``, so a worker that wakes late for an old job can
never claim a chunk of a newer one. Concurrent callers are serialized by a launch mutex.
Python is not involved after start-up (except to reset the pool in a forked child).
"""

from __future__ import annotations

import ctypes
import os
import threading

from .engine import CompiledModule, register_symbol
from .llvm import I1, I8, I8_PTR, I32, I64, VOID, Builder, Value, declare, for_range, ir
from .target import host_target

ENTRY_POINT = "stir_parallel_for"
CHUNKS_PER_THREAD = 4
_SYNC_BYTES = 128  # room for a pthread_mutex_t / pthread_cond_t on every libc we know
TASK_TYPE = ir.FunctionType(VOID, [I8_PTR, I64, I64])
_TASK_PTR = TASK_TYPE.as_pointer()
_SYNC = ("mutex", "launch_mutex", "work_cv", "done_cv")
_WORDS = ("generation", "counter", "done", "extent", "chunk", "chunks", "workers")
_STATS = ("worker_chunks", "launches")


class _RuntimeBuilder:
    """Builds the runtime module: globals, libc declarations and the four functions."""

    def __init__(self) -> None:
        self.module = ir.Module(name="stir_pool")
        self.g: dict[str, ir.GlobalVariable] = {}
        for name in _SYNC:
            self._global(name, ir.ArrayType(I8, _SYNC_BYTES), 16)
        for name in _WORDS + _STATS:
            self._global(name, I64, 8)
        self._global("task", _TASK_PTR, 8)
        self._global("closure", I8_PTR, 8)
        ptr = I8_PTR
        self.lock = declare(self.module, "pthread_mutex_lock", I32, [ptr])
        self.unlock = declare(self.module, "pthread_mutex_unlock", I32, [ptr])
        self.wait = declare(self.module, "pthread_cond_wait", I32, [ptr, ptr])
        self.broadcast = declare(self.module, "pthread_cond_broadcast", I32, [ptr])
        self.mutex_init = declare(self.module, "pthread_mutex_init", I32, [ptr, ptr])
        self.cond_init = declare(self.module, "pthread_cond_init", I32, [ptr, ptr])

    def _global(self, name: str, ty: ir.Type, align: int) -> None:
        var = ir.GlobalVariable(self.module, ty, f"stir_pool_{name}")
        var.initializer = ir.Constant(ty, None)
        var.align = align
        self.g[name] = var

    def sync(self, b: Builder, name: str) -> Value:
        return b.bitcast(self.g[name], I8_PTR)

    def function(self, name: str, ret: ir.Type, args: list[ir.Type]) -> ir.Function:
        return ir.Function(self.module, ir.FunctionType(ret, args), name)

    def atomic_load(self, b: Builder, name: str) -> Value:
        return b.load_atomic(self.g[name], "seq_cst", 8)

    def wait_until_changed(self, b: Builder, name: str, old: Value, cv: str) -> Value:
        """With the mutex held: wait on ``cv`` while global ``name`` equals ``old``."""
        fn = b.function
        check, sleep, done = (fn.append_basic_block(n) for n in ("check", "sleep", "changed"))
        b.branch(check)
        b.position_at_end(check)
        current = self.atomic_load(b, name)
        b.cbranch(b.icmp_unsigned("==", current, old), sleep, done)
        b.position_at_end(sleep)
        b.call(self.wait, [self.sync(b, cv), self.sync(b, "mutex")])
        b.branch(check)
        b.position_at_end(done)
        return current

    # --------------------------------------------------------------- run_chunks

    def build_run_chunks(self) -> ir.Function:
        """``run_chunks(generation, is_worker)``: claim and run chunks of that job."""
        fn = self.function("stir_pool_run_chunks", VOID, [I64, I1])
        fn.linkage = "internal"
        generation, is_worker = fn.args
        b = ir.IRBuilder(fn.append_basic_block("entry"))
        names = ("claim", "swap", "run", "leave")
        claim, swap, run, leave = (fn.append_basic_block(n) for n in names)
        b.branch(claim)
        b.position_at_end(claim)
        counter = self.atomic_load(b, "counter")
        index = b.and_(counter, I64(0xFFFFFFFF))
        job = b.and_(generation, I64(0xFFFFFFFF))
        same_job = b.icmp_unsigned("==", b.lshr(counter, I64(32)), job)
        chunks = self.atomic_load(b, "chunks")
        claimable = b.and_(same_job, b.icmp_unsigned("<", index, chunks))
        b.cbranch(claimable, swap, leave)
        b.position_at_end(swap)
        next_counter = b.add(counter, I64(1))
        exchange = b.cmpxchg(self.g["counter"], counter, next_counter, "seq_cst", "seq_cst")
        won = b.extract_value(exchange, 1)
        b.cbranch(won, run, claim)
        b.position_at_end(run)
        self._run_one(b, index, chunks, is_worker)
        b.branch(claim)
        b.position_at_end(leave)
        b.ret_void()
        return fn

    def _run_one(self, b: Builder, index: Value, chunks: Value, is_worker: Value) -> None:
        chunk = self.atomic_load(b, "chunk")
        extent = self.atomic_load(b, "extent")
        begin = b.mul(index, chunk)
        end = b.add(begin, chunk)
        end = b.select(b.icmp_signed("<", end, extent), end, extent)
        b.call(b.load(self.g["task"]), [b.load(self.g["closure"]), begin, end])
        b.atomic_rmw("add", self.g["worker_chunks"], b.zext(is_worker, I64), "seq_cst")
        finished = b.add(b.atomic_rmw("add", self.g["done"], I64(1), "seq_cst"), I64(1))
        with b.if_then(b.icmp_unsigned("==", finished, chunks)):
            b.call(self.lock, [self.sync(b, "mutex")])
            b.call(self.broadcast, [self.sync(b, "done_cv")])
            b.call(self.unlock, [self.sync(b, "mutex")])

    # ------------------------------------------------------------------- worker

    def build_worker(self, run_chunks: ir.Function) -> ir.Function:
        """``worker(arg)``: forever wait for a new generation, then run its chunks."""
        fn = self.function("stir_pool_worker", I8_PTR, [I8_PTR])
        b = ir.IRBuilder(fn.append_basic_block("entry"))
        seen = b.alloca(I64)
        b.store(I64(0), seen)
        loop = fn.append_basic_block("loop")
        b.branch(loop)
        b.position_at_end(loop)
        b.call(self.lock, [self.sync(b, "mutex")])
        generation = self.wait_until_changed(b, "generation", b.load(seen), "work_cv")
        b.store(generation, seen)
        b.call(self.unlock, [self.sync(b, "mutex")])
        b.call(run_chunks, [generation, I1(1)])
        b.branch(loop)
        return fn

    # ------------------------------------------------------------------- launch

    def build_launch(self, run_chunks: ir.Function) -> ir.Function:
        """``stir_parallel_for(task, closure, extent)`` (see the module docstring)."""
        fn = self.function(ENTRY_POINT, VOID, [_TASK_PTR, I8_PTR, I64])
        task, closure, extent = fn.args
        b = ir.IRBuilder(fn.append_basic_block("entry"))
        workers = self.atomic_load(b, "workers")
        serial = b.or_(b.icmp_signed("==", workers, I64(0)), b.icmp_signed("<=", extent, I64(1)))
        with b.if_then(serial):
            with b.if_then(b.icmp_signed(">", extent, I64(0))):
                b.call(task, [closure, I64(0), extent])
            b.ret_void()
        b.call(self.lock, [self.sync(b, "launch_mutex")])
        b.call(self.lock, [self.sync(b, "mutex")])
        generation = self._publish(b, task, closure, extent, workers)
        b.call(self.broadcast, [self.sync(b, "work_cv")])
        b.call(self.unlock, [self.sync(b, "mutex")])
        b.call(run_chunks, [generation, I1(0)])
        b.call(self.lock, [self.sync(b, "mutex")])
        self._wait_all_done(b)
        b.call(self.unlock, [self.sync(b, "mutex")])
        b.call(self.unlock, [self.sync(b, "launch_mutex")])
        b.ret_void()
        return fn

    def _publish(
        self, b: Builder, task: Value, closure: Value, extent: Value, workers: Value
    ) -> Value:
        """With the mutex held: store the job and open a new generation; returns it."""
        most = b.mul(b.add(workers, I64(1)), I64(CHUNKS_PER_THREAD))
        chunks = b.select(b.icmp_signed("<", extent, most), extent, most)
        chunk = b.sdiv(b.add(extent, b.sub(chunks, I64(1))), chunks)
        chunks = b.sdiv(b.add(extent, b.sub(chunk, I64(1))), chunk)
        for name, value in (("task", task), ("closure", closure)):
            b.store(value, self.g[name])
        for name, value in (("extent", extent), ("chunk", chunk), ("chunks", chunks)):
            b.store_atomic(value, self.g[name], "seq_cst", 8)
        b.store_atomic(I64(0), self.g["done"], "seq_cst", 8)
        generation = b.add(self.atomic_load(b, "generation"), I64(1))
        b.store_atomic(generation, self.g["generation"], "seq_cst", 8)
        b.store_atomic(b.shl(generation, I64(32)), self.g["counter"], "seq_cst", 8)
        b.atomic_rmw("add", self.g["launches"], I64(1), "seq_cst")
        return generation

    def _wait_all_done(self, b: Builder) -> None:
        fn = b.function
        check, sleep, done = (fn.append_basic_block(n) for n in ("all", "wait", "done"))
        b.branch(check)
        b.position_at_end(check)
        finished = b.icmp_unsigned("==", self.atomic_load(b, "done"), self.atomic_load(b, "chunks"))
        b.cbranch(finished, done, sleep)
        b.position_at_end(sleep)
        b.call(self.wait, [self.sync(b, "done_cv"), self.sync(b, "mutex")])
        b.branch(check)
        b.position_at_end(done)

    # ---------------------------------------------------------------- start-up

    def build_reset(self) -> ir.Function:
        """``stir_pool_reset()``: (re)initialise the mutexes and conditions, no workers."""
        fn = self.function("stir_pool_reset", VOID, [])
        b = ir.IRBuilder(fn.append_basic_block("entry"))
        null = ir.Constant(I8_PTR, None)
        for name in _SYNC:
            init = self.mutex_init if "mutex" in name else self.cond_init
            b.call(init, [self.sync(b, name), null])
        b.store_atomic(I64(0), self.g["workers"], "seq_cst", 8)
        b.ret_void()
        return fn

    def build_start(self, worker: ir.Function) -> ir.Function:
        """``stir_pool_start(n)``: create ``n`` detached workers; returns how many started."""
        create = declare(
            self.module, "pthread_create", I32, [I64.as_pointer(), I8_PTR, worker.type, I8_PTR]
        )
        detach = declare(self.module, "pthread_detach", I32, [I64])
        fn = self.function("stir_pool_start", I64, [I64])
        b = ir.IRBuilder(fn.append_basic_block("entry"))
        thread = b.alloca(I64)
        null = ir.Constant(I8_PTR, None)
        with for_range(b, I64(0), fn.args[0]) as _:
            status = b.call(create, [thread, null, worker, null])
            with b.if_then(b.icmp_signed("==", status, I32(0))):
                b.call(detach, [b.load(thread)])
                b.atomic_rmw("add", self.g["workers"], I64(1), "seq_cst")
        b.ret(self.atomic_load(b, "workers"))
        return fn


def _runtime_ir() -> str:
    runtime = _RuntimeBuilder()
    run_chunks = runtime.build_run_chunks()
    runtime.build_start(runtime.build_worker(run_chunks))
    runtime.build_launch(run_chunks)
    runtime.build_reset()
    return str(runtime.module)


def default_workers() -> int:
    """Worker threads to start: one per CPU this process may use, minus the caller (>= 1)."""
    return max(len(os.sched_getaffinity(0)) - 1, 1)


class ThreadPool:
    """The process-wide pool: its native code, start-up, and counters for tests."""

    def __init__(self, workers: int):
        self._code = CompiledModule(_runtime_ir(), host_target(), "stir_pool")
        self._reset = ctypes.CFUNCTYPE(None)(self._code.function_address("stir_pool_reset"))
        start = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_int64)
        self._reset()
        start(self._code.function_address("stir_pool_start"))(workers)
        self.entry_point = self._code.function_address(ENTRY_POINT)
        os.register_at_fork(after_in_child=self._reset)  # a child has no workers: run serially

    def _counter(self, name: str) -> int:
        address = self._code.global_address(f"stir_pool_{name}")
        return int(ctypes.c_int64.from_address(address).value)

    @property
    def workers(self) -> int:
        """Worker threads running (the caller of a kernel takes part too)."""
        return self._counter("workers")

    @property
    def launches(self) -> int:
        """Parallel loops run on the pool so far."""
        return self._counter("launches")

    @property
    def worker_chunks(self) -> int:
        """Chunks of parallel loops run by worker threads (not by the calling thread)."""
        return self._counter("worker_chunks")


_POOL: list[ThreadPool] = []
_POOL_LOCK = threading.Lock()


def get_pool() -> ThreadPool:
    """The process's thread pool, started on first use; ``stir_parallel_for`` resolves to it."""
    with _POOL_LOCK:
        if not _POOL:
            pool = ThreadPool(default_workers())
            register_symbol(ENTRY_POINT, pool.entry_point)
            _POOL.append(pool)
        return _POOL[0]
