import CLIP
import Foundation

/// A captioned synthetic picture: `count` copies of one coloured shape of one size, placed in one part of
/// a plain background. Captions name every attribute, so a model that reads them learns each one.
public struct SyntheticScene: Sendable, Equatable {
    public enum Shape: String, CaseIterable, Sendable { case circle, square, triangle, cross }
    public enum Colour: String, CaseIterable, Sendable { case red, green, blue, yellow, purple, orange }
    public enum Size: String, CaseIterable, Sendable { case small, large }
    public enum Position: String, CaseIterable, Sendable { case left, right, top, bottom }
    public enum Background: String, CaseIterable, Sendable { case white, gray, black }

    public var shape: Shape
    public var colour: Colour
    public var size: Size
    public var position: Position
    public var count: Int            // 1...3
    public var background: Background

    static let countWords = ["one", "two", "three"]

    /// "two small red circles on the left of a black background"
    public var caption: String {
        let noun = count == 1 ? shape.rawValue : (shape == .cross ? "crosses" : shape.rawValue + "s")
        let article = count == 1 ? "a" : SyntheticScene.countWords[count - 1]
        return "\(article) \(size.rawValue) \(colour.rawValue) \(noun) on the \(position.rawValue) of a \(background.rawValue) background"
    }

    /// The colour–shape label the held-out evaluation classifies ("red circle").
    public var label: String { "\(colour.rawValue) \(shape.rawValue)" }

    /// Colour–shape pairs never shown in training: every colour and every shape still appears, only these
    /// combinations do not, so a model must compose the two words to name them.
    public static let heldOutPairs: Set<String> = ["red circle", "green square", "blue triangle", "yellow cross", "purple circle", "orange square"]

    public var isHeldOut: Bool { Self.heldOutPairs.contains(label) }

    /// Caption-shaped prompts with `{}` for a colour–shape label, covering the other attributes.
    public static var promptTemplates: [String] {
        Size.allCases.flatMap { size in
            Position.allCases.flatMap { position in
                Background.allCases.map { "a \(size.rawValue) {} on the \(position.rawValue) of a \($0.rawValue) background" }
            }
        }
    }

    public static var allLabels: [String] {
        Colour.allCases.flatMap { c in Shape.allCases.map { "\(c.rawValue) \($0.rawValue)" } }
    }
}

extension SyntheticScene.Colour {
    var rgb: (Float, Float, Float) {
        switch self {
        case .red: return (220, 30, 30)
        case .green: return (30, 170, 50)
        case .blue: return (30, 60, 220)
        case .yellow: return (240, 220, 30)
        case .purple: return (140, 40, 180)
        case .orange: return (250, 140, 20)
        }
    }
}

extension SyntheticScene.Background {
    var rgb: (Float, Float, Float) {
        switch self {
        case .white: return (245, 245, 245)
        case .gray: return (128, 128, 128)
        case .black: return (15, 15, 15)
        }
    }
}
