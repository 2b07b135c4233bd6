import MPIShim
import MindTensor

/// The ranks of a job started by `mpirun -np N mindvis script.lua` (Open MPI), or one rank when started without
/// mpirun — then MPI is never loaded, so a machine without Open MPI runs every script as before.
/// Ranks are 0-based as in MPI. A rank that fails calls `abort`, which stops the whole job instead of leaving
/// the other ranks waiting in a collective.
public enum ProcessGroup {
    public enum Reduction: String, CaseIterable { case sum, mean, max, min }

    public static var rank: Int { Int(mv_mpi_rank()) }
    public static var worldSize: Int { Int(mv_mpi_world_size()) }
    public static var isDistributed: Bool { worldSize > 1 }
    /// Rank 0 writes logs, checkpoints and figures; every rank computes.
    public static var isWriter: Bool { rank == 0 }

    /// Joins the job when mpirun started this process (Open MPI's OMPI_COMM_WORLD_SIZE); does nothing otherwise.
    public static func startIfLaunched() throws {
        guard mv_mpi_launched_size() > 0 else { return }
        var message = [CChar](repeating: 0, count: 1024)
        guard mv_mpi_init(&message, message.count) == 0 else { throw TensorError("mpirun: \(String(cString: message))") }
    }

    /// Leaves the job: MPI_Finalize after success; after a failure, stops every rank.
    public static func finish(status: Int32) {
        if status != 0 && isDistributed { mv_mpi_abort(status) }
        _ = mv_mpi_finalize()
    }

    /// In place over every rank: the element-wise sum (or mean, max, min) of `tensor`. Returns `tensor`.
    @discardableResult
    public static func allReduce(_ tensor: Tensor, _ reduction: Reduction) throws -> Tensor {
        guard tensor.isContiguous else { throw TensorError("mv.dist.all_reduce: the tensor must be contiguous (call :contiguous() first)") }
        try tensor.checkInPlace("mv.dist.all_reduce")
        try allReduce(UnsafeMutableBufferPointer(start: tensor.data, count: tensor.numel), reduction)
        tensor.bumpVersion()
        return tensor
    }

    /// In place on every rank: `tensor` as it is on `root`. Every rank must pass a tensor of the same size.
    @discardableResult
    public static func broadcast(_ tensor: Tensor, root: Int) throws -> Tensor {
        guard tensor.isContiguous else { throw TensorError("mv.dist.broadcast: the tensor must be contiguous (call :contiguous() first)") }
        try tensor.checkInPlace("mv.dist.broadcast")
        try broadcast(UnsafeMutableRawBufferPointer(start: tensor.data, count: tensor.numel * MemoryLayout<Float>.stride), root: root)
        tensor.bumpVersion()
        return tensor
    }

    public static func barrier() throws {
        try check { mv_mpi_barrier($0, $1) }
    }

    static func allReduce(_ buffer: UnsafeMutableBufferPointer<Float>, _ reduction: Reduction) throws {
        guard isDistributed, let base = buffer.baseAddress else { return }
        let op: mv_mpi_op = reduction == .max ? MV_MPI_MAX : reduction == .min ? MV_MPI_MIN : MV_MPI_SUM
        try check { mv_mpi_allreduce_float(base, buffer.count, op, $0, $1) }
        if reduction == .mean {
            let scale = 1 / Float(worldSize)
            for i in buffer.indices { buffer[i] *= scale }
        }
    }

    static func broadcast(_ bytes: UnsafeMutableRawBufferPointer, root: Int) throws {
        guard (0..<worldSize).contains(root) else { throw TensorError("mv.dist.broadcast: root \(root) is not a rank (0...\(worldSize - 1))") }
        guard isDistributed, let base = bytes.baseAddress else { return }
        try check { mv_mpi_broadcast_bytes(base, bytes.count, Int32(root), $0, $1) }
    }

    private static func check(_ call: (UnsafeMutablePointer<CChar>, Int) -> Int32) throws {
        var message = [CChar](repeating: 0, count: 1024)
        let code = message.withUnsafeMutableBufferPointer { call($0.baseAddress!, $0.count) }
        if code != 0 { throw TensorError("rank \(rank): \(String(cString: message))") }
    }
}
