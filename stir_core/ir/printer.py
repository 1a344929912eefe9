"""TVMScript-style text of any IR node: ``to_text(node, marks=None)``.

``str(node)``, ``repr(node)`` and ``node.script()`` use it. The output follows TVM's printer
for TensorIR so that anyone who reads TVMScript reads ours::

    # from tvm.script import tir as T

    @T.prim_func
    def main(A: T.Buffer((128,), "float32"), B: T.Buffer((128,), "float32")):
        for i in range(128):
            with T.block("B"):
                v_i = T.axis.remap("S", [i])
                T.reads(A[v_i])
                T.writes(B[v_i])
                B[v_i] = A[v_i] + T.float32(1.0)

``marks={node: label}`` underlines nodes with ``^`` followed by ``label`` (how schedule and
verifier errors point at the node at fault): a statement is underlined on the line where it
starts, an expression exactly under its text.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

from .block import Block, BlockRealize, IterType, IterVar
from .buffer import Buffer
from .expr import IntImm, PrimExpr, Var
from .function import IRModule, PrimFunc
from .functor import _method
from .node import Node, install_printer
from .printer_expr import ExprPrinter, Marks, Namer, dtype_text
from .printer_scan import FunctionInfo, can_collapse, is_true, is_zero, same_value
from .range import Range
from .stmt import Allocate, BufferStore, Evaluate, For, ForKind, IfThenElse, LetStmt, SeqStmt

_INDENT = "    "
_TIR_HEADER = "# from tvm.script import tir as T"
_IR_HEADER = "# from tvm.script import ir as I"
_LOOP_FUNCTIONS = {
    ForKind.SERIAL: "T.serial",
    ForKind.PARALLEL: "T.parallel",
    ForKind.VECTORIZED: "T.vectorized",
    ForKind.UNROLLED: "T.unroll",
    ForKind.THREAD_BINDING: "T.thread_binding",
}
#: ``T.axis.<kind>`` of each iter type; the other (classic TE) kinds print as ``opaque``
_AXIS_KINDS = {
    IterType.DATA_PAR: "spatial",
    IterType.COMM_REDUCE: "reduce",
    IterType.ORDERED: "scan",
}


def to_text(node: object, marks: Mapping[Node, str] | None = None) -> str:
    """TVMScript-style text of ``node``; ``marks`` underlines nodes with their labels."""
    printer = _Printer(marks)
    if isinstance(node, IRModule):
        printer.module(node)
    elif isinstance(node, PrimFunc):
        printer.emit(_TIR_HEADER)
        printer.emit("")
        printer.function(node, node.name)
    elif isinstance(node, Node):
        printer.any_node(node)
    else:
        return repr(node)
    return printer.render()


@dataclass
class _Line:
    depth: int
    text: str
    labels: list[str] = field(default_factory=list)


class _Printer:
    """Statement and function printing; expressions go through ``ExprPrinter``."""

    def __init__(self, marks: Mapping[Node, str] | None) -> None:
        self.marks = Marks(marks)
        self.names = Namer()
        self.expr = ExprPrinter(self.names, self.marks)
        self.lines: list[_Line] = []
        self.depth = 0
        #: enclosing loops by loop variable id (for ``T.axis.remap``)
        self.loops: dict[int, For] = {}

    # ------------------------------------------------------------------ output

    def emit(self, text: str, *nodes: object) -> None:
        labels = [label for node in nodes if (label := self.marks.take(node)) is not None]
        self.lines.append(_Line(self.depth, text, labels))

    @contextmanager
    def indented(self) -> Iterator[None]:
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1

    def render(self) -> str:
        out: list[str] = []
        for line in self.lines:
            indent = _INDENT * line.depth if line.text else ""
            out.extend(self.marks.render(indent, line.text, line.labels))
        return "\n".join(out)

    def e(self, node: Node) -> str:
        return self.expr.text(node)

    def stmt(self, node: Node) -> None:
        _method(self, node)(self, node)

    def any_node(self, node: Node) -> None:
        """A statement prints as statements; anything else as one expression line."""
        method = _method(self, node)
        if method is _Printer.generic_visit:
            self.emit(self.e(node))
        else:
            method(self, node)

    def generic_visit(self, node: Node) -> None:
        self.emit(self.e(node), node)

    # ---------------------------------------------------------------- modules

    def module(self, mod: IRModule) -> None:
        self.emit(_IR_HEADER)
        self.emit(_TIR_HEADER)
        self.emit("")
        self.emit("@I.ir_module", mod)
        self.emit("class Module:")
        with self.indented():
            for index, name in enumerate(sorted(mod.functions)):
                if index:
                    self.emit("")
                self.names = self.expr.names = Namer()
                self.function(mod.functions[name], name)

    def function(self, func: PrimFunc, name: str) -> None:
        info = FunctionInfo(func)
        params = ", ".join(self._param(param, info) for param in func.params)
        self.emit("@T.prim_func")
        self.emit(f"def {name}({params}):", func)
        with self.indented():
            if func.attrs:
                self.emit(f"T.func_attr({self.expr.value(func.attrs)})")
            for var in (*info.shape_vars, *info.free_vars):
                self.emit(f"{self.e(var)} = {dtype_text(var.dtype)}()")
            for buffer in info.matched:
                handle = self.names.get(buffer.data, f"var_{buffer.name}")
                self.emit(f"{self.e(buffer)} = T.match_buffer({handle}, {self._decl(buffer)})")
            for buffer in info.undeclared:
                self._buffer_decl(buffer, info)
            self._function_body(func)

    def _param(self, param: Buffer | Var, info: FunctionInfo) -> str:
        if isinstance(param, Var):
            return f"{self.e(param)}: {dtype_text(param.dtype)}"
        name = self.names.get(param, param.name)
        if id(param) in info.matched_ids:
            return f"{self.names.get(param.data, f'var_{param.name}')}: T.handle"
        text = f"{name}: T.Buffer({self._decl(param, always_dtype=True)})"
        return self.marks.wrap(param, text)

    def _decl(self, buffer: Buffer, always_dtype: bool = False) -> str:
        """``(128, 128), "float16", scope="local"``: shape and the non-default fields."""
        parts = [self.expr.shape(buffer.shape)]
        if always_dtype or buffer.dtype != "float32":
            parts.append(f'"{buffer.dtype}"')
        if buffer.strides:
            parts.append(f"strides={self.expr.shape(buffer.strides)}")
        if not (isinstance(buffer.elem_offset, IntImm) and buffer.elem_offset.value == 0):
            parts.append(f"elem_offset={self.e(buffer.elem_offset)}")
        if buffer.scope != "global":
            parts.append(f'scope="{buffer.scope}"')
        return ", ".join(parts)

    def _buffer_decl(self, buffer: Buffer, info: FunctionInfo) -> None:
        decl = self._decl(buffer)
        owner = info.data_owner.get(id(buffer.data))
        if owner is not None:
            decl += f", data={self.e(owner)}.data"
        self.emit(f"{self.e(buffer)} = T.Buffer({decl})", buffer)

    def _function_body(self, func: PrimFunc) -> None:
        body = func.body
        if isinstance(body, BlockRealize) and _is_implicit_root(body):
            self.emit('# with T.block("root"):', body, body.block)
            for buffer in body.block.alloc_buffers:
                self._alloc(buffer)
            self.stmt(body.block.body)
        else:
            self.stmt(body)

    # -------------------------------------------------------------- statements

    def visit_SeqStmt(self, node: SeqStmt) -> None:
        for stmt in node.seq:
            self.stmt(stmt)

    def visit_BufferStore(self, node: BufferStore) -> None:
        target = f"{self.e(node.buffer)}[{self.expr.join(node.indices) or '()'}]"
        self.emit(f"{target} = {self.e(node.value)}", node)

    def visit_Evaluate(self, node: Evaluate) -> None:
        self.emit(f"T.evaluate({self.e(node.value)})", node)

    def visit_IfThenElse(self, node: IfThenElse) -> None:
        self.emit(f"if {self.e(node.condition)}:", node)
        with self.indented():
            self.stmt(node.then_case)
        if node.else_case is not None:
            self.emit("else:")
            with self.indented():
                self.stmt(node.else_case)

    def visit_LetStmt(self, node: LetStmt) -> None:
        value = self.e(node.value)
        self.emit(f"{self.e(node.var)}: {dtype_text(node.var.dtype)} = {value}", node)
        self.stmt(node.body)

    def visit_Allocate(self, node: Allocate) -> None:
        buffer = node.buffer
        shape = self.expr.join(buffer.shape)
        text = f'{self.e(buffer)} = T.allocate([{shape}], "{buffer.dtype}", "{buffer.scope}")'
        self.emit(text, node, buffer)
        self.stmt(node.body)

    def visit_For(self, node: For) -> None:
        chain = [node]
        while can_collapse(chain, self.marks.has):
            chain.append(chain[-1].body)  # type: ignore[arg-type]
        if len(chain) > 1:
            names = ", ".join(self.e(loop.loop_var) for loop in chain)
            extents = self.expr.join(loop.extent for loop in chain)
            self.emit(f"for {names} in T.grid({extents}):", node)
        else:
            self.emit(f"for {self.e(node.loop_var)} in {self._loop_range(node)}:", node)
        for loop in chain:
            self.loops[id(loop.loop_var)] = loop
        with self.indented():
            self.stmt(chain[-1].body)
        for loop in chain:
            self.loops.pop(id(loop.loop_var), None)

    def _loop_range(self, loop: For) -> str:
        if is_zero(loop.min):
            args = [self.e(loop.extent)]
        else:
            args = [self.e(loop.min), self.expr.end(Range(loop.min, loop.extent))]
        if loop.thread_binding is not None or loop.kind is ForKind.THREAD_BINDING:
            args.append(f'thread="{loop.thread_binding or ""}"')
        if loop.annotations:
            args.append(f"annotations={self.expr.value(loop.annotations)}")
        plain = loop.kind is ForKind.SERIAL and not loop.annotations
        func = "range" if plain else _LOOP_FUNCTIONS[loop.kind]
        return f"{func}({', '.join(args)})"

    # ------------------------------------------------------------------ blocks

    def visit_BlockRealize(self, node: BlockRealize) -> None:
        self._block(node.block, node)

    def visit_Block(self, node: Block) -> None:
        self._block(node, None)

    def _block(self, block: Block, realize: BlockRealize | None) -> None:
        self.emit(f'with T.block("{block.name_hint}"):', realize, block)
        with self.indented():
            self._iter_vars(block, realize)
            if realize is not None and not is_true(realize.predicate):
                self.emit(f"T.where({self.e(realize.predicate)})")
            self.emit(f"T.reads({self.expr.join(block.reads)})")
            self.emit(f"T.writes({self.expr.join(block.writes)})")
            if block.annotations:
                self.emit(f"T.block_attr({self.expr.value(block.annotations)})")
            for buffer in block.alloc_buffers:
                self._alloc(buffer)
            if block.init is not None:
                self.emit("with T.init():")
                with self.indented():
                    self.stmt(block.init)
            self.stmt(block.body)

    def _alloc(self, buffer: Buffer) -> None:
        self.emit(f"{self.e(buffer)} = T.alloc_buffer({self._decl(buffer)})", buffer)

    def _iter_vars(self, block: Block, realize: BlockRealize | None) -> None:
        values = realize.iter_values if realize is not None else ()
        if values and self._can_remap(block.iter_vars, values):
            names = ", ".join(self.e(iv.var) for iv in block.iter_vars)
            kinds = "".join(iv.iter_type.letter for iv in block.iter_vars)
            loops = self.expr.join(values)
            self.emit(f'{names} = T.axis.remap("{kinds}", [{loops}])', *block.iter_vars)
            return
        for index, iv in enumerate(block.iter_vars):
            name = self.e(iv.var)
            args = [self._domain(iv)]
            if index < len(values):
                args.append(self.e(values[index]))
            kind = _AXIS_KINDS.get(iv.iter_type, "opaque")
            self.emit(f"{name} = T.axis.{kind}({', '.join(args)})", iv)

    def _domain(self, iv: IterVar) -> str:
        if is_zero(iv.dom.min):
            return self.e(iv.dom.extent)
        return f"({self.e(iv.dom.min)}, {self.expr.end(iv.dom)})"

    def _can_remap(self, iter_vars: tuple[IterVar, ...], values: tuple[PrimExpr, ...]) -> bool:
        if len(iter_vars) != len(values) or len({id(v) for v in values}) != len(values):
            return False
        for iv, value in zip(iter_vars, values, strict=True):
            loop = self.loops.get(id(value))
            if loop is None or iv.iter_type.letter == "O":
                return False
            if not (same_value(loop.min, iv.dom.min) and same_value(loop.extent, iv.dom.extent)):
                return False
        return True


def _is_implicit_root(realize: BlockRealize) -> bool:
    block = realize.block
    return (
        block.name_hint == "root"
        and not block.iter_vars
        and not realize.iter_values
        and is_true(realize.predicate)
        and not block.reads
        and not block.writes
        and block.init is None
        and not block.annotations
    )


install_printer(to_text)
