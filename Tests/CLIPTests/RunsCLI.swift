import Foundation
import XCTest

/// Runs the built `clip` executable as a user would: arguments, stdin and environment in; output, error
/// and exit status out.
protocol RunsCLI: XCTestCase {}

extension RunsCLI {
    var clip: URL {
        // The test bundle sits in (Linux) or beside (macOS .xctest) the products folder.
        let base = Bundle(for: Self.self).bundleURL
        let candidates = [base.appendingPathComponent("clip"), base.deletingLastPathComponent().appendingPathComponent("clip")]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }

    @discardableResult
    func run(_ arguments: [String], stdin: String? = nil, expectStatus: Int32 = 0, environment: [String: String] = [:],
             executable: URL? = nil, directory: URL? = nil,
             file: StaticString = #filePath, line: UInt = #line) throws -> (out: String, err: String) {
        let process = Process()
        process.executableURL = executable ?? clip
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let outData = out.fileHandleForReading.readDataToEndOfFile(), errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let result = (String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
        XCTAssertEqual(process.terminationStatus, expectStatus, "clip \(arguments.joined(separator: " ")): \(result.1)", file: file, line: line)
        return result
    }
}
