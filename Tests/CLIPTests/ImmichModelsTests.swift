import CLIP
import XCTest

/// Immich's CLIP model names (`ImmichModels`): each maps to its own weights with Immich's dimension and
/// quirks, and no name borrows another checkpoint.
final class ImmichModelsTests: XCTestCase {
    /// Immich's `CLIP_MODEL_INFO` has 58 names; each appears once, and every name whose architecture is one
    /// of the built-in open_clip configs has that config's embedding width as Immich's dimension.
    func testTableMatchesImmichsNamesAndDimensions() throws {
        let names = ImmichModels.all.map(\.name)
        XCTAssertEqual(names.count, 58)
        XCTAssertEqual(Set(names).count, names.count, "a name appears twice")
        var checked = 0
        for entry in ImmichModels.all {
            guard let weights = entry.weights else {
                XCTAssertNotNil(entry.unsupported, entry.name)
                continue
            }
            XCTAssertNil(entry.unsupported, entry.name)
            XCTAssertEqual(weights.repo, entry.source, entry.name)
            guard let config = try? weights.config else { continue }  // an architecture without a built-in config
            XCTAssertEqual(config.embedDim, entry.dimension, entry.name)
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 25, "most names should be checked against a built-in config")
        // Two names with one architecture are different weights.
        let b32 = ["ViT-B-32__openai", "ViT-B-32__laion2b-s34b-b79k", "ViT-B-32__laion400m_e31"].compactMap {
            ImmichModels.entry(named: $0)?.source
        }
        XCTAssertEqual(Set(b32).count, 3, "\(b32)")
    }

    /// Names as Immich's server sends them (org prefix, `::`) and as a person types them.
    func testNamesAreCleanedAsImmichCleansThem() {
        XCTAssertEqual(ImmichModels.entry(for: "immich-app/ViT-B-32::openai")?.name, "ViT-B-32__openai")
        XCTAssertEqual(ImmichModels.entry(for: "ViT-B-32__openai")?.source, "openai/clip-vit-base-patch32")
        XCTAssertNil(ImmichModels.entry(for: "ViT-B-32"), "an architecture alone is not an Immich model")
        XCTAssertNil(ImmichModels.entry(for: "ViT-B-32__nonsense"))
        XCTAssertEqual(KnownModels.entry(for: "ViT-B-16__openai")?.repo, "openai/clip-vit-base-patch16")
        XCTAssertEqual(ModelResolver().repository(for: "ViT-L-14-quickgelu__dfn2b"), "apple/DFN2B-CLIP-ViT-L-14")
    }

    /// What `clip serve --model X` answers as, for Immich: the Immich name, or the known model behind it;
    /// never a folder or a bare repository id, whose quirks nothing vouches for.
    func testServedNamesFollowTheModelReference() {
        XCTAssertEqual(ImmichModels.names(loadedAs: "ViT-B-32"), ["ViT-B-32__openai"])
        XCTAssertEqual(ImmichModels.names(loadedAs: "ViT-B-32__openai"), ["ViT-B-32__openai"])
        XCTAssertEqual(ImmichModels.names(loadedAs: "ViT-B-32::openai"), ["ViT-B-32__openai"])
        XCTAssertEqual(ImmichModels.names(loadedAs: "ViT-B-32-laion2b"), ["ViT-B-32__laion2b-s34b-b79k"])
        XCTAssertEqual(ImmichModels.names(loadedAs: "timm/vit_base_patch32_clip_224.laion400m_e31"), [])
        XCTAssertEqual(ImmichModels.names(loadedAs: "/models/ViT-B-32__openai"), [])
        XCTAssertEqual(ImmichModels.names(loadedAs: "XLM-Roberta-Large-Vit-B-32"), [], "not runnable yet")
        // A model of another width than Immich's for the name (a stand-in hub's tiny model) is not that name.
        let tiny = ImmichModels.names(loadedAs: "ViT-B-32", dimension: 64)
        XCTAssertEqual(tiny.kept, [])
        XCTAssertEqual(tiny.dropped, ["ViT-B-32__openai"])
        XCTAssertEqual(ImmichModels.names(loadedAs: "ViT-B-32", dimension: 512).kept, ["ViT-B-32__openai"])
    }

    /// OpenAI and DFN names run QuickGELU; the QuickGELU-trained LAION 400M ViT-B/32 runs GELU, as Immich's
    /// export builds it, whatever the checkpoint's config says.
    func testActivationQuirksFollowImmichsExport() throws {
        func activation(_ name: String, startingFrom start: Activation) throws -> Activation {
            var config = try XCTUnwrap(KnownModels.entry(for: name)).config
            config.useActivation(start)
            KnownModels.entry(for: name)?.applyQuirks(to: &config)
            return config.text.transformer.activation
        }
        XCTAssertEqual(try activation("ViT-B-32__openai", startingFrom: .gelu), .quickGELU)
        XCTAssertEqual(try activation("ViT-H-14-quickgelu__dfn5b", startingFrom: .gelu), .quickGELU)
        XCTAssertEqual(try activation("ViT-B-32__laion400m_e31", startingFrom: .quickGELU), .gelu)
        XCTAssertEqual(
            try activation("ViT-B-32__laion2b_e16", startingFrom: .quickGELU), .quickGELU, "as its config says")
        XCTAssertEqual(KnownModels.entry(for: "ViT-B-16-SigLIP-512__webli")?.resizeMode, .squash)
    }

    /// A multilingual name is refused with the reason, not looked up as a file or repository.
    func testUnsupportedNamesSayWhy() {
        XCTAssertThrowsError(try ModelResolver().resolve("nllb-clip-base-siglip__v1")) { error in
            XCTAssertTrue("\(error)".contains("visheratin/nllb-clip-base-siglip"), "\(error)")
            XCTAssertTrue("\(error)".contains("not one SwiftCLIP runs yet"), "\(error)")
        }
    }
}
