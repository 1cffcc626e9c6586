import ArgumentParser
import CLIP
import CLIPSearch
import Foundation

extension LibraryCommand {
    /// `clip library info`: where the library is, its model, how many files and folders, its size.
    struct Info: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the library's location, model, precision, file and error counts and size on disk.")

        @OptionGroup var location: LibraryLocationOptions
        @OptionGroup var format: OutputOptions

        func run() async throws {
            var info: [String: Any] = [
                "library": location.directory.path, "store": location.databaseURL == nil ? "folder" : "postgresql",
                "files": 0, "embedded": 0, "errors": 0, "folders": 0
            ]
            var model: LibraryModel?
            if case let (library, stored)? = try await location.open(readOnly: true) {
                info["library"] = library.location
                model = stored
                if stored != nil {
                    let tally = try await library.tally(under: [])
                    info["files"] = tally.files
                    info["embedded"] = tally.embedded
                    info["errors"] = tally.failed
                    info["folders"] = try await LibraryFolders.listed(in: library).count
                    if let bytes = try await library.storageBytes() { info["size_bytes"] = bytes }
                }
                await library.close()
            }
            if let model {
                info["model"] = model.spec?.model ?? model.id
                if let name = model.spec?.modelName { info["model_name"] = name }
                info["model_id"] = model.id
                info["precision"] = model.precision
                info["dimension"] = model.dimension
            }
            if format.json {
                print(try JSONLines.string(info))
                return
            }
            let store = info["store"] as! String == "folder" ? "folder" : "PostgreSQL"
            print("library:    \(info["library"]!) (\(store))")
            if let model {
                let named = model.spec.map { $0.model + ($0.modelName.map { " (\($0))" } ?? "") }
                print("model:      \(named ?? "not recorded (indexed by an earlier version): give it with --model")")
                print("identity:   \(model.id)")
                print("precision:  \(model.precision)")
                print("dimension:  \(model.dimension)")
            } else {
                print("model:      none yet (nothing was indexed into it)")
            }
            let failed = info["errors"] as! Int
            print(
                "files:      \(info["files"]!)"
                    + (failed > 0 ? " (\(failed) could not be used: clip index --errors lists them)" : ""))
            print("folders:    \(info["folders"]!)")
            if let bytes = info["size_bytes"] as? Int64 { print("size:       \(Self.size(bytes))") }
        }

        /// `512 bytes`, `3.4 KiB`, `1.2 MiB`, `5.0 GiB`.
        static func size(_ bytes: Int64) -> String {
            guard bytes >= 1024 else { return "\(bytes) bytes" }
            var value = Double(bytes), unit = 0
            let units = ["KiB", "MiB", "GiB", "TiB"]
            repeat {
                value /= 1024
                unit += 1
            } while value >= 1024 && unit < units.count
            return String(format: "%.1f %@", value, units[unit - 1])
        }
    }
}
