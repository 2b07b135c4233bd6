import Foundation

/// Starts a program with `posix_spawn` and waits for it, forwarding Ctrl-C.
///
/// The child gets its own process group, so a terminal Ctrl-C reaches only the parent, which forwards it once (were
/// the child in the terminal's group too, it would get every Ctrl-C twice and take the second as "kill me now").
/// Its standard input is /dev/null (a background process group must not read the terminal); SIGINT is reset to the
/// default action and unblocked.
struct ChildProcess {
    enum Termination: Equatable {
        case exited(Int32)
        case signaled(Int32)
    }

    struct Outcome {
        let termination: Termination
        /// Whether a Ctrl-C was forwarded to the child (the interrupt flag is cleared when forwarding).
        let interrupted: Bool
    }

    let executable: String
    let arguments: [String]
    /// Added to (or replacing in) the parent's environment.
    let environment: [String: String]
    /// If set, the child's standard output and error both go to this descriptor.
    let outputDescriptor: Int32?

    func run() throws -> Outcome {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if let outputDescriptor {
            posix_spawn_file_actions_adddup2(&actions, outputDescriptor, 1)
            posix_spawn_file_actions_adddup2(&actions, outputDescriptor, 2)
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaultSignals = sigset_t()
        sigemptyset(&defaultSignals)
        sigaddset(&defaultSignals, SIGINT)
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
        var noMask = sigset_t()
        sigemptyset(&noMask)
        posix_spawnattr_setsigmask(&attributes, &noMask)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP))

        var variables = ProcessInfo.processInfo.environment
        for (name, value) in environment { variables[name] = value }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = variables.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }

        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard status == 0 else {
            throw LuaBindingError("cannot start \(executable): \(String(cString: strerror(status)))")
        }
        return try wait(for: pid)
    }

    /// Polls with short sleeps instead of a blocking `waitpid`: a Ctrl-C arriving just before a blocking wait would
    /// otherwise never be forwarded.
    private func wait(for pid: pid_t) throws -> Outcome {
        var interrupted = false
        var pause: useconds_t = 1_000
        while true {
            var status: Int32 = 0
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid {
                let signal = status & 0x7f
                let termination: Termination = signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal)
                return Outcome(termination: termination, interrupted: interrupted)
            }
            if result == -1, errno != EINTR {
                throw LuaBindingError("waiting for \(executable): \(String(cString: strerror(errno)))")
            }
            if LuaInterrupt.isRequested {
                // Forward each Ctrl-C once: a child stuck outside Lua code dies on the second, as in a terminal.
                LuaInterrupt.clear()
                kill(pid, SIGINT)
                interrupted = true
            }
            usleep(pause)
            pause = min(pause * 2, 20_000)
        }
    }
}
