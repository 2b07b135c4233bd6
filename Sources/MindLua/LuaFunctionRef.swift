/// A Lua function kept alive for Swift (a registry reference), e.g. a training callback. Call it with
/// `LuaArgs.call` from inside a binding or `LuaState.call` at top level; both use `lua_pcall`.
///
/// Dropping the last Swift reference does not touch Lua (it may happen on any thread, or inside a finalizer): the
/// registry slot is queued and released by the owning thread at its next call into Lua (mlua's scheme).
public final class LuaFunctionRef {
    weak var state: LuaState?
    let reference: Int32

    init(state: LuaState, reference: Int32) {
        self.state = state
        self.reference = reference
    }

    deinit {
        state?.enqueueUnreference(reference)
    }
}
