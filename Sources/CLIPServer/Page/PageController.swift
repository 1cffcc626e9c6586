import CLIP
import CPageFiles
import Foundation
import Hummingbird

/// The search page: `/` and its assets (`/assets/NAME`), compiled into the binary, so the page needs no CDN,
/// no network and no resource folder. Only the files that ship with it are served.
struct PageController<Context: RequestContext> {
    struct Asset: Sendable {
        let bytes: ByteBuffer
        let contentType: String
    }

    let assets: [String: Asset]

    /// The page compiled into the binary, or, when `$CLIP_PAGE_DIR` names a folder, the files in it (for working
    /// on the page without rebuilding: edit, reload).
    init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        var files = EmbeddedFiles(
            count: page_file_count(), name: { page_file_name($0) }, bytes: { page_file_bytes($0, $1) }
        ).files
        if let folder = environment["CLIP_PAGE_DIR"], !folder.isEmpty,
            let names = try? FileManager.default.contentsOfDirectory(atPath: folder)
        {
            files = [:]
            for name in names {
                files[name] = FileManager.default.contents(atPath: (folder as NSString).appendingPathComponent(name))
            }
        }
        var assets: [String: Asset] = [:]
        for (name, data) in files {
            assets[name] = Asset(bytes: ByteBuffer(bytes: data), contentType: Self.contentType(name))
        }
        self.assets = assets
    }

    static func contentType(_ name: String) -> String {
        switch (name as NSString).pathExtension {
        case "html": return "text/html; charset=utf-8"
        case "js": return "text/javascript; charset=utf-8"
        case "css": return "text/css; charset=utf-8"
        case "svg": return "image/svg+xml"
        case "png": return "image/png"
        default: return "application/octet-stream"
        }
    }

    /// Paths the API key check lets through: the page must load before it can ask for the key.
    static func isOpen(_ path: String) -> Bool { path == "/" || path.hasPrefix("/assets/") || path == "/favicon.ico" }

    func addRoutes(to router: some RouterMethods<Context>) {
        router.get("/") { _, _ in try serve("index.html") }
        router.get("assets/:name") { _, context in try serve(context.parameters.get("name") ?? "") }
        router.get("favicon.ico") { _, _ in try serve("icon.svg") }
    }

    func serve(_ name: String) throws -> Response {
        guard let asset = assets[name] else {
            throw APIError(.notFound, "no page asset named '\(name)'", param: "name", code: "not_found")
        }
        // Small files that change with the binary: revalidate each time rather than cache stale ones.
        return Response(
            status: .ok, headers: [.contentType: asset.contentType, .cacheControl: "no-cache"],
            body: .init(byteBuffer: asset.bytes))
    }
}
