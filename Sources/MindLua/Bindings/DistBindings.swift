import MindTensor
import MindVis

/// `mv.dist`: the ranks of a job started by `mpirun -np N mindvis script.lua` (Open MPI), as torch.distributed.
/// Without mpirun a script is one rank of a world of one and every collective returns its input unchanged.
enum DistBindings: LuaBindingSet {
    static func install(_ state: LuaState) throws {
        try state.bind("mv.dist", "rank", doc: """
            mv.dist.rank() -> integer
            This process's rank in the mpirun job, 0-based as in MPI (0 without mpirun). Rank 0 writes the logs, checkpoints and figures of the trainers (mv.mbm, mv.vq.train, mv.ldm), which are data-parallel under mpirun.
            """) { args in try args.returning(ProcessGroup.rank) }
        try state.bind("mv.dist", "world_size", doc: """
            mv.dist.world_size() -> integer
            The number of ranks (mpirun -np N); 1 without mpirun.
            """) { args in try args.returning(ProcessGroup.worldSize) }
        try state.bind("mv.dist", "all_reduce", doc: """
            mv.dist.all_reduce(t, op = "sum") -> t
            In place on every rank: the element-wise "sum", "mean", "max" or "min" of t over the ranks (every rank passes a tensor of the same size).
            """) { args in
            let t = try args.tensor(1, "t")
            let name = try args.optionalString(2, "op") ?? "sum"
            guard let reduction = ProcessGroup.Reduction(rawValue: name) else {
                throw LuaBindingError("mv.dist.all_reduce: op must be one of \(ProcessGroup.Reduction.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")), got \"\(name)\"")
            }
            return try args.returning(tensor: try ProcessGroup.allReduce(t, reduction))
        }
        try state.bind("mv.dist", "broadcast", doc: """
            mv.dist.broadcast(t, root = 0) -> t
            In place on every rank: t as it is on rank root (0-based). Every rank passes a tensor of the same size.
            """) { args in
            let t = try args.tensor(1, "t")
            let root = try args.optionalInteger(2, "root", min: 0) ?? 0
            return try args.returning(tensor: try ProcessGroup.broadcast(t, root: root))
        }
        try state.bind("mv.dist", "barrier", doc: """
            mv.dist.barrier()
            Waits until every rank has reached it.
            """) { _ in
            try ProcessGroup.barrier()
            return .none
        }
    }
}
