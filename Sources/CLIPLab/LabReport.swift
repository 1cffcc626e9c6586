import CLIP
import Foundation

/// What one experiment leaves behind: its summary paragraph, the files it wrote (relative to the run's
/// folder), its plots, and its headline numbers (for `--json`).
public struct ExperimentOutput: Sendable {
    public let experiment: String
    public var summary: String
    public var files: [String] = []
    public var plots: [String] = []
    public var numbers: [String: Double] = [:]

    public init(experiment: String, summary: String = "") {
        self.experiment = experiment
        self.summary = summary
    }
}

/// A run's folder (`--out`): CSVs, SVG plots (and PNGs where Debian's `rsvg-convert` is installed; the lab
/// draws no pixels itself), pictures, and `index.html` showing every experiment run into the folder so far
/// (`runs.json` remembers them).
public final class LabReport {
    public let folder: URL
    /// `rsvg-convert`, when on the PATH.
    public let rasterizer: String?

    public init(folder: URL, rasterizer: String? = LabReport.findRasterizer()) throws {
        self.folder = folder
        self.rasterizer = rasterizer
        try FileOutput.createFolder(folder)
    }

    public static func findRasterizer(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        for dir in (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(dir)/rsvg-convert"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// Writes `name.csv` (fields quoted where they must be) and returns its name.
    @discardableResult
    public func csv(_ name: String, header: [String], rows: [[String]]) throws -> String {
        func field(_ s: String) -> String {
            s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
                ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        let text = ([header] + rows).map { $0.map(field).joined(separator: ",") }.joined(separator: "\n") + "\n"
        try FileOutput.write(text, to: folder.appendingPathComponent(name + ".csv"))
        return name + ".csv"
    }

    /// Writes `name.svg`, and `name.png` through `rsvg-convert` when there is one; returns the files.
    public func plot(_ name: String, svg: String) throws -> [String] {
        let svgURL = folder.appendingPathComponent(name + ".svg")
        try FileOutput.write(svg, to: svgURL)
        guard let rasterizer else { return [name + ".svg"] }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: rasterizer)
        process.arguments = ["-b", "white", "-o", folder.appendingPathComponent(name + ".png").path, svgURL.path]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        // Read before waiting: a full pipe would otherwise block the converter forever.
        let errorText = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let message = String(decoding: errorText, as: UTF8.self)
            throw CLIPError.io(file: svgURL.path, reason: "rsvg-convert failed: \(message)")
        }
        return [name + ".svg", name + ".png"]
    }

    /// Writes a picture as PNG; returns its name.
    @discardableResult
    public func image(_ name: String, _ image: PixelImage) throws -> String {
        try PNGEncoder.write(image, to: folder.appendingPathComponent(name + ".png"))
        return name + ".png"
    }

    /// Adds (or replaces) an experiment in `runs.json` and rewrites `index.html` with every one.
    public func record(_ output: ExperimentOutput) throws {
        let runsURL = folder.appendingPathComponent("runs.json")
        var runs = (try? JSONSerialization.jsonObject(with: Data(contentsOf: runsURL))) as? [[String: Any]] ?? []
        runs.removeAll { $0["experiment"] as? String == output.experiment }
        runs.append([
            "experiment": output.experiment, "summary": output.summary, "plots": output.plots, "files": output.files
        ])
        runs.sort { ($0["experiment"] as? String ?? "") < ($1["experiment"] as? String ?? "") }
        try JSONSerialization.data(withJSONObject: runs, options: [.prettyPrinted, .sortedKeys]).write(to: runsURL)
        var html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>SwiftCLIP lab</title>
            <style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
            img{max-width:100%;border:1px solid #ddd;margin:.5em \
            0}p{line-height:1.45}code{background:#f3f3f3;padding:0 .2em}</style>
            </head><body><h1>SwiftCLIP lab</h1>

            """
        for run in runs {
            let name = SVGDocument.escape(run["experiment"] as? String ?? "")
            html += "<section><h2>\(name)</h2>\n<p>\(SVGDocument.escape(run["summary"] as? String ?? ""))</p>\n"
            for plot in run["plots"] as? [String] ?? [] {
                html += "<img src=\"\(SVGDocument.escape(plot))\" alt=\"\(name) plot\">\n"
            }
            let files = (run["files"] as? [String] ?? []).map {
                "<a href=\"\(SVGDocument.escape($0))\">\(SVGDocument.escape($0))</a>"
            }
            html += "<p>Files: \(files.joined(separator: ", "))</p></section>\n"
        }
        html += "</body></html>\n"
        try FileOutput.write(html, to: folder.appendingPathComponent("index.html"))
    }
}
