import Codecs

/// Test shorthands over the project's own hex codec (the Codecs module);
/// `bytes` ignores whitespace in long vectors and traps on bad input.
func bytes(_ text: String) -> [UInt8] { Hex.decode(text.filter { !$0.isWhitespace })! }

func hex(_ data: [UInt8]) -> String { Hex.encode(data) }
