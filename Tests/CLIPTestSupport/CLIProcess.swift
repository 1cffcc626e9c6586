import Foundation
import XCTest

/// The built `clip` executable, run as a user runs it: arguments, stdin, environment and working folder in;
/// exit status, output and error out. Every test target that runs `clip` uses this one runner.
public enum CLIProcess {
    private final class Marker {}

    /// The built `clip`: the test bundle sits in (Linux) or beside (macOS .xctest) the products folder.
    public static var executable: URL {
        let base = Bundle(for: Marker.self).bundleURL
        let candidates = [
            base.appendingPathComponent("clip"),
            base.deletingLastPathComponent().appendingPathComponent("clip")
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }

    /// Runs `clip` (or `executable`) to its end; `environment` is added to this process's own.
    public static func run(
        _ arguments: [String], stdin: String? = nil, environment: [String: String] = [:],
        executable: URL? = nil, directory: URL? = nil
    ) throws
        -> (status: Int32, out: String, err: String)
    {
        let process = Process()
        process.executableURL = executable ?? Self.executable
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let out = Pipe()
        let err = Pipe()
        let input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        // Both pipes are drained before waiting: a child that fills one would otherwise block forever.
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (
            process.terminationStatus, String(decoding: outData, as: UTF8.self),
            String(decoding: errData, as: UTF8.self)
        )
    }
}

/// A test case that runs `clip` and asserts its exit status.
public protocol RunsCLI: XCTestCase {}

extension RunsCLI {
    public var clip: URL { CLIProcess.executable }

    @discardableResult
    public func run(
        _ arguments: [String], stdin: String? = nil, expectStatus: Int32 = 0,
        environment: [String: String] = [:], executable: URL? = nil, directory: URL? = nil,
        file: StaticString = #filePath, line: UInt = #line
    ) throws -> (out: String, err: String) {
        let result = try CLIProcess.run(
            arguments, stdin: stdin, environment: environment, executable: executable,
            directory: directory)
        XCTAssertEqual(
            result.status, expectStatus, "clip \(arguments.joined(separator: " ")): \(result.err)",
            file: file, line: line)
        return (result.out, result.err)
    }
}
