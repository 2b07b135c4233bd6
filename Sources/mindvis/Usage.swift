/// `mindvis --help`.
enum Usage {
    static var text: String {
        let commands = Subcommand.all.map {
            "  " + $0.name.padding(toLength: 10, withPad: " ", startingAt: 0) + $0.summary
        }.joined(separator: "\n")
        return """
            usage: mindvis [options] [script.lua [args...]]
                   mindvis <command> [args...]

            Runs MindVis Lua scripts, or the interactive REPL.

            options:
              -e CODE         run the Lua chunk CODE (repeatable; runs before the script)
              -i              enter the REPL after running the -e chunks and the script
              -               read the script from standard input
              --              stop handling options (the next argument is the script)
              -v, --version   print version information and exit
              -h, --help      print this help and exit

            Without a script or -e, mindvis starts the REPL (line editing) when standard input is a terminal, and
            otherwise runs standard input as a script, as lua(1) does; -i reads it line by line into the REPL.
            The script's arguments are in the global table `arg` (arg[0] is the script) and in `...`.
            A script error prints the message and a traceback and exits with status 1; usage errors exit with 2.

            commands:
            \(commands)
            """
    }
}
