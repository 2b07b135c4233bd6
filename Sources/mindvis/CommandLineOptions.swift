/// The command line of the Lua-running forms, parsed by hand as lua(1) does: options come first, the first
/// non-option argument is the script and everything after it belongs to the script, untouched (`mindvis train.lua
/// -e x --lr 3` passes `-e x --lr 3` to train.lua). swift-argument-parser cannot express that pass-through
/// together with ordered, repeatable `-e` chunks and lua(1)'s `arg` numbering, which needs the original argv.
struct CommandLineOptions: Equatable {
    enum Action: Equatable {
        case help
        case version
        case run
    }

    var action: Action = .run
    /// `-e` chunks, in order.
    var chunks: [String] = []
    /// `-i`: enter the REPL after the chunks and the script.
    var interactive = false
    /// Index in argv of the script (`-` means standard input), if any.
    var scriptIndex: Int?

    struct UsageError: Error, Equatable {
        let message: String
    }

    /// Parses argv (argv[0] is the program).
    init(_ argv: [String]) throws {
        var index = 1
        while index < argv.count {
            let argument = argv[index]
            if argument == "--" {
                if index + 1 < argv.count { scriptIndex = index + 1 }
                return
            }
            if argument == "-" || !argument.hasPrefix("-") {
                scriptIndex = index
                return
            }
            switch argument {
            case "-h", "--help":
                action = .help
                return
            case "-v", "--version":
                action = .version
                return
            case "-i":
                interactive = true
            case "-e":
                guard index + 1 < argv.count else { throw UsageError(message: "'-e' needs an argument") }
                index += 1
                chunks.append(argv[index])
            default:
                if argument.hasPrefix("-e") {
                    chunks.append(String(argument.dropFirst(2))) // lua(1) also accepts -eCODE
                } else {
                    throw UsageError(message: "unrecognized option '\(argument)'")
                }
            }
            index += 1
        }
    }

    /// Whether to start the REPL: on request, or when there is nothing else to do (as lua(1)).
    var startsREPL: Bool { interactive || (scriptIndex == nil && chunks.isEmpty) }
}
