import Foundation

/// Test helper: runs `body` with a fresh private directory (mode 0700), removed afterwards.
func withScratchDirectory<R>(_ body: (String) throws -> R) throws -> R {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vitalgate-sodium-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false,
                                            attributes: [.posixPermissions: 0o700])
    defer { try? FileManager.default.removeItem(atPath: directory) }
    return try body(directory)
}

/// Test helper: writes `content` to `path` with `mode`, replacing any file there.
func writeFile(_ path: String, _ content: [UInt8], mode: Int = 0o600) throws {
    try? FileManager.default.removeItem(atPath: path)
    guard FileManager.default.createFile(atPath: path, contents: Data(content), attributes: [.posixPermissions: mode]) else {
        throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
    }
}

func readFileBytes(_ path: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
}
