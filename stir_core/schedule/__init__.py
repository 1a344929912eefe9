"""TensorIR schedule: every primitive rewrites S-TIR into S-TIR (TVM's ``tir.Schedule``)."""

from .annotate import AnnotationNotFoundError, InvalidAnnotationError
from .blockize import BlockizeError, TensorIntrin, TensorIntrinError, TensorizeMismatchError
from .cache import (
    CacheInPlaceError,
    CachePlacementError,
    CacheRegionMismatchError,
    NotAConsumerError,
)
from .compute_at import (
    IncompleteReductionError,
    InsertionPositionError,
    LoopPositionError,
    NoConsumerUnderLoopError,
    OutputBlockComputeAtError,
)
from .compute_inline import (
    ConsumerLoadPatternError,
    NonSingleProducerError,
    OnlyLeafError,
    OutputBlockError,
    ProducerCoverageError,
)
from .errors import (
    AmbiguousBlockError,
    BlockNotFoundError,
    BodyAnalysisError,
    DependentLoopError,
    ForeignHandleError,
    HasAnnotationOrThreadBindingError,
    LoopNotStartWithZeroError,
    NotCompleteBlockError,
    NotSingleWriteBlockError,
    NotSpatialBlockError,
    RemovedHandleError,
    ScheduleError,
    StaleInputError,
    WrongHandleTypeError,
)
from .for_kind import LoopCarriedDependenceError, ReductionLoopError
from .handles import BlockRV, Handle, LoopRV, ScheduleState
from .layout import BufferNotFoundError, IndexMap, IndexMapError
from .loops import (
    BlockBetweenLoopsError,
    DuplicateLoopError,
    EmptyLoopListError,
    LoopNotInChainError,
    MixedIterTypeFuseError,
    NonPositiveFactorError,
    NotAdjacentLoopsError,
    NotSingleInferFactorError,
    RootBlockError,
    WrongFactorProductError,
)
from .padding import PadValueError
from .primitive import Primitive, primitive
from .reduction import (
    FactorAxisOutOfRangeError,
    LoopHeightError,
    NotReductionBlockError,
    NotReductionLoopError,
    NotSingleChildBlockError,
    ReducerPatternError,
)
from .regions import AccessPatternError, PredicateNotCarriedError, RegionNotCoveredError
from .schedule import Schedule, ScheduleInputError
from .storage import (
    BufferIndexOutOfRangeError,
    InvalidStorageScopeError,
    ParamBufferError,
    StorageAlignArgumentError,
)
from .trace import Instruction, Trace, TraceNotPrintableError, replay

__all__ = [name for name in dir() if not name.startswith("_")]
