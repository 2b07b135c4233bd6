import MindVis

/// Flag parsing shared by the subcommands: `--name VALUE`, `--name=VALUE`, boolean `--flag`, `--` to end
/// options, and positional arguments. Unknown flags are usage errors naming the closest valid flag.
struct SubcommandArguments {
    var positional: [String] = []
    var values: [String: String] = [:]
    var flags: Set<String> = []
    var wantsHelp = false

    /// Throws a message suitable for `Subcommand.usageError`.
    /// `valueOptions` maps each option taking a value to a description of that value ("a directory").
    init(_ arguments: [String], valueOptions: [String: String], flagOptions: [String] = []) throws {
        var index = 0, optionsEnded = false
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if optionsEnded || !argument.hasPrefix("-") || argument == "-" {
                positional.append(argument)
                continue
            }
            if argument == "--" { optionsEnded = true; continue }
            if argument == "-h" || argument == "--help" { wantsHelp = true; continue }
            let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
            let name = parts[0]
            if let what = valueOptions[name] {
                if parts.count == 2 {
                    values[name] = parts[1]
                } else if index < arguments.count {
                    values[name] = arguments[index]
                    index += 1
                }
                if values[name]?.isEmpty ?? true { throw UsageMessage("'\(name)' needs \(what)") }
            } else if flagOptions.contains(name) && parts.count == 1 {
                flags.insert(name)
            } else {
                let hint = EditDistance.closest(to: name, among: valueOptions.keys.sorted() + flagOptions).map { " (did you mean '\($0)'?)" } ?? ""
                throw UsageMessage("unrecognized option '\(argument)'\(hint)")
            }
        }
    }
}

struct UsageMessage: Error {
    let text: String
    init(_ text: String) { self.text = text }
}

extension Subcommand {
    /// This subcommand's arguments, or the status to exit with: 0 after printing the usage for `--help`, 2
    /// after reporting a usage error.
    func parse(_ arguments: [String], valueOptions: [String: String], flagOptions: [String] = []) -> Result<SubcommandArguments, ExitStatus> {
        do {
            let parsed = try SubcommandArguments(arguments, valueOptions: valueOptions, flagOptions: flagOptions)
            if parsed.wantsHelp {
                print(usage)
                return .failure(ExitStatus(code: 0))
            }
            return .success(parsed)
        } catch let e as UsageMessage {
            return .failure(ExitStatus(code: usageError(e.text)))
        } catch {
            return .failure(ExitStatus(code: usageError("\(error)")))
        }
    }
}

/// How a subcommand ends before running (help printed, usage error).
struct ExitStatus: Error {
    let code: Int32
}
