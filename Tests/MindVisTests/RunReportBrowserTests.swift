import Foundation
import MindImage
import XCTest
@testable import MindVis

/// The report in a real browser: Debian's chromium, headless (`scripts/setup` installs it). The report's own
/// self-check script runs at load and writes what it found onto `<body>`; `--dump-dom` returns the DOM after
/// the load (with a virtual-time budget, so the load event and the script have run).
final class RunReportBrowserTests: XCTestCase {
    /// The chromium binary on PATH, or nil.
    static let chromium: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            for name in ["chromium", "chromium-browser"] {
                let candidate = "\(dir)/\(name)"
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            }
        }
        return nil
    }()

    /// Runs headless chromium on `page` with `arguments`; returns its standard output. Killed after 120 s.
    static func run(_ arguments: [String], page: URL, profile: URL) throws -> String {
        guard let chromium else { throw XCTSkip("chromium is not installed (scripts/setup installs Debian's chromium package)") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium)
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=\(profile.path)"]
            + arguments + [page.absoluteString]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 120, execute: deadline)
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        deadline.cancel()
        XCTAssertEqual(process.terminationStatus, 0, "chromium \(arguments.joined(separator: " "))")
        return String(decoding: data, as: UTF8.self)
    }

    /// The `data-` attributes the self-check script set on `<body>`.
    static func selfCheck(_ dom: String) throws -> [String: String] {
        let body = try XCTUnwrap(ReportTestData.matches("<body([^>]*)>", in: dom).first, "no <body> in the dumped DOM")
        let pairs = try ReportTestData.matches("data-[a-z-]+=\"[^\"]*\"", in: body)
        var out: [String: String] = [:]
        for pair in pairs {
            let parts = pair.dropFirst("data-".count).split(separator: "=", maxSplits: 1)
            out[String(parts[0])] = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        return out
    }

    func testReportRendersInHeadlessChromiumWithoutExternalRequests() throws {
        guard RunReportBrowserTests.chromium != nil else {
            throw XCTSkip("chromium is not installed (scripts/setup installs Debian's chromium package)")
        }
        let dir = try temporaryDirectory()
        let page = dir.appendingPathComponent("report.html"), profile = dir.appendingPathComponent("profile")
        try ReportTestData.report(in: dir).write(to: page)
        let budget = "--virtual-time-budget=10000"

        let dom = try RunReportBrowserTests.run([budget, "--dump-dom"], page: page, profile: profile)
        let check = try RunReportBrowserTests.selfCheck(dom)
        XCTAssertEqual(check["images"], String(ReportTestData.imagesPerReport), "the self-check ran: \(check)")
        XCTAssertEqual(check["images-loaded"], String(ReportTestData.imagesPerReport), "every figure decoded (complete, naturalWidth > 0)")
        XCTAssertEqual(check["plots"], String(ReportTestData.plotsPerReport))
        XCTAssertEqual(check["requests"], "0", "nothing tried to load from outside")
        XCTAssertEqual(check["blocked"], "0")
        XCTAssertTrue(dom.contains("Self-check: 3 of 3 figures loaded"))

        // The policy is what stops outside loads: the same page with an outside image and style sheet injected
        // has both refused (chromium lists a refused load among the resources too, so attempts ≤ refusals).
        let html = try String(contentsOf: page, encoding: .utf8)
        let tampered = dir.appendingPathComponent("tampered.html")
        let injected = "<body><img src=\"http://127.0.0.1:9/blocked.png\" alt=\"\"><link rel=\"stylesheet\" href=\"http://127.0.0.1:9/blocked.css\">"
        try html.replacingOccurrences(of: "<body>", with: injected).write(to: tampered, atomically: true, encoding: .utf8)
        let blocked = try RunReportBrowserTests.selfCheck(RunReportBrowserTests.run([budget, "--dump-dom"], page: tampered, profile: profile))
        XCTAssertEqual(blocked["images"], String(ReportTestData.imagesPerReport + 1))
        XCTAssertEqual(blocked["images-loaded"], String(ReportTestData.imagesPerReport), "the outside image did not load")
        let refused = Int(blocked["blocked"] ?? "") ?? 0
        XCTAssertGreaterThanOrEqual(refused, 2, "both outside loads were refused by the policy: \(blocked)")
        XCTAssertLessThanOrEqual(Int(blocked["requests"] ?? "") ?? .max, refused, "every attempted load was refused")

        // It renders: a screenshot with the page's text and figures, not a blank page.
        let shot = dir.appendingPathComponent("report.png")
        _ = try RunReportBrowserTests.run([budget, "--window-size=1200,1600", "--screenshot=\(shot.path)"], page: page, profile: profile)
        let image = try PNG.read(path: shot.path)
        XCTAssertEqual(image.width, 1200)
        var colours = Set<UInt32>()
        for p in stride(from: 0, to: image.width * image.height, by: 7) {
            let k = p * image.channels
            colours.insert(UInt32(image.pixels[k]) << 16 | UInt32(image.pixels[k + 1]) << 8 | UInt32(image.pixels[k + 2]))
        }
        XCTAssertGreaterThan(colours.count, 50, "text, plots and figures in many colours")
    }
}
