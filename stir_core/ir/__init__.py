"""The S-TIR / NS-TIR intermediate representation (see the module docstrings for each part)."""

from .block import REDUCE, SPATIAL, Block, BlockRealize, IterType, IterVar, realize
from .buffer import Buffer, BufferLoad, BufferRegion, buffer_load, decl_buffer
from .dtype import DataType, TypeKind, promote
from .expr import (
    EQ,
    GE,
    GT,
    LE,
    LT,
    NE,
    Add,
    And,
    BinaryOp,
    Broadcast,
    Call,
    Cast,
    CmpOp,
    Div,
    ExprOp,
    FloatImm,
    FloorDiv,
    FloorMod,
    IntImm,
    Let,
    Max,
    Min,
    Mod,
    Mul,
    Not,
    Or,
    PrimExpr,
    Ramp,
    Select,
    SizeVar,
    StringImm,
    Sub,
    TruncDiv,
    TruncMod,
    Var,
)
from .function import IRModule, PrimFunc
from .functor import IRMutator, IRVisitor, children, post_order_visit, substitute
from .intrin import INTRINSICS, UNARY_FLOAT_MATH
from .node import Node
from .printer import to_text
from .range import Range
from .stmt import (
    Allocate,
    BufferStore,
    Evaluate,
    For,
    ForKind,
    IfThenElse,
    LetStmt,
    SeqStmt,
    Stmt,
    buffer_store,
    seq,
)
from .structural import assert_structural_equal, structural_equal, structural_hash

__all__ = [name for name in dir() if not name.startswith("_")]
