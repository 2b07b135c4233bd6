import LuaShim

/// Ctrl-C. The C handler (LuaShim) sets an atomic flag and, while Lua code runs, a hook that raises
/// "interrupted!" at the next instruction (what lua.c does). Hooks only fire in Lua code, so long Swift loops poll
/// `isRequested` (or `LuaArgs.checkInterrupt()`) and stop themselves.
public enum LuaInterrupt {
    /// Whether Ctrl-C was pressed and not yet handled. One atomic load; safe from any thread.
    public static var isRequested: Bool { mindvis_interrupt_requested() != 0 }

    /// How many times Ctrl-C has stopped running Lua code so far: a call during which it changed was interrupted,
    /// whatever its error says.
    public static var raisedCount: UInt32 { mindvis_interrupts_raised() }

    /// Throws "interrupted!" (and marks the interrupt handled) if Ctrl-C was pressed.
    public static func check() throws {
        guard isRequested else { return }
        mindvis_interrupt_clear()
        throw LuaBindingError("interrupted!")
    }

    /// While `state` runs Lua code: Ctrl-C stops it; a second Ctrl-C before the first was handled kills the process.
    static func stopLuaOnInterrupt(_ state: LuaState) {
        mindvis_interrupt_install(state.L, MV_SIGINT_STOP_LUA)
    }

    /// The REPL's: as `stopLuaOnInterrupt`, but a second Ctrl-C while an operation that does not poll runs only says
    /// the first is pending, so the session and its state survive (Ctrl-\ still quits).
    static func stopLuaKeepingSessionOnInterrupt(_ state: LuaState) {
        mindvis_interrupt_install(state.L, MV_SIGINT_STOP_LUA_KEEP_PROCESS)
    }

    /// For a command without Lua code that polls `isRequested` between units of work (`mindvis simulate`): Ctrl-C
    /// sets the flag; a second one, unless it comes within 0.2 s of the first, ends the process.
    public static func flagOrEndOnInterrupt() {
        mindvis_interrupt_install(nil, MV_SIGINT_STOP_LUA)
    }

    /// While waiting for input or a child process: Ctrl-C only sets the flag and interrupts the blocking call.
    static func flagOnInterrupt(_ state: LuaState?) {
        mindvis_interrupt_install(state?.L, MV_SIGINT_FLAG_ONLY)
    }

    /// Forgets a pending interrupt (e.g. before reading the next REPL line).
    static func clear() {
        mindvis_interrupt_clear()
    }
}
