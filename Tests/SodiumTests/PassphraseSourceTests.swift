import Foundation
import Sodium
import Testing

@Suite struct PassphraseSourceTests {
    @Test func readsTheFirstLineOfAnOwnerOnlyFile() throws {
        try withScratchDirectory { dir in
            let path = dir + "/passphrase"
            for (content, expected) in [("hunter2 with spaces\nsecond line\n", "hunter2 with spaces"),
                                        ("no newline", "no newline"), ("crlf\r\n", "crlf")] {
                try writeFile(path, Array(content.utf8))
                #expect(try PassphraseSource.readFile(path) == Array(expected.utf8), "content \(content.debugDescription)")
            }
            try writeFile(path, Array("owner read-only\n".utf8), mode: 0o400)
            #expect(try PassphraseSource.readFile(path) == Array("owner read-only".utf8))
        }
    }

    @Test(arguments: [0o644, 0o640, 0o604, 0o606])
    func refusesFilesOthersCanAccess(_ permissions: Int) throws {
        try withScratchDirectory { dir in
            let path = dir + "/passphrase"
            try writeFile(path, Array("secret\n".utf8), mode: permissions)
            let expected = PassphraseError.permissionsTooOpen(path: path, mode: UInt32(permissions))
            #expect(throws: expected) { try PassphraseSource.readFile(path) }
            #expect(expected.description.contains("chmod 600 \(path)"))
        }
    }

    @Test func refusesEmptyOverlongMissingAndNonRegular() throws {
        try withScratchDirectory { dir in
            let path = dir + "/passphrase"
            for content in ["", "\n", "\r\n", "\nsecond line"] {
                try writeFile(path, Array(content.utf8))
                #expect(throws: PassphraseError.empty(source: "passphrase file \(path)")) { try PassphraseSource.readFile(path) }
            }
            try writeFile(path, [UInt8](repeating: UInt8(ascii: "a"), count: PassphraseSource.maximumLength) + [10])
            #expect(try PassphraseSource.readFile(path).count == PassphraseSource.maximumLength)
            for extra in [1, 5000] {
                try writeFile(path, [UInt8](repeating: UInt8(ascii: "a"), count: PassphraseSource.maximumLength + extra))
                #expect(throws: PassphraseError.tooLong(source: "passphrase file \(path)")) { try PassphraseSource.readFile(path) }
            }
            #expect(throws: PassphraseError.systemCall(path: dir + "/absent", call: "open", errno: ENOENT)) {
                try PassphraseSource.readFile(dir + "/absent")
            }
            #expect(throws: PassphraseError.notARegularFile(path: dir)) { try PassphraseSource.readFile(dir) }
        }
    }

    @Test func promptNeedsATerminal() {
        #expect(throws: PassphraseError.noTerminal(path: "/dev/null", errno: ENOTTY)) {
            try PassphraseSource.prompt("Passphrase: ", terminal: "/dev/null")
        }
        #expect(throws: PassphraseError.noTerminal(path: "/nonexistent/tty", errno: ENOENT)) {
            try PassphraseSource.prompt("Passphrase: ", terminal: "/nonexistent/tty")
        }
        #expect(PassphraseError.noTerminal(path: "/dev/tty", errno: ENXIO).description.contains("passphrase file"))
    }

    /// Drives `prompt` through a real pseudo-terminal, as a person at the
    /// console would: the prompt appears, the typed line is returned, it is
    /// not echoed back, and echo is on again afterwards.
    @Test func promptReadsALineWithEchoOff() throws {
        let pty = try PseudoTerminal()
        let master = pty.master, slavePath = pty.slavePath
        // Holding the slave open keeps the pty alive between prompt's open and close.
        let slave = open(slavePath, O_RDWR | O_NOCTTY)
        try #require(slave >= 0)
        defer { close(slave) }

        let outcome = PromptOutcome()
        let thread = Thread { outcome.set(Result { try PassphraseSource.prompt("Passphrase: ", terminal: slavePath) }) }
        thread.start()

        var shown = try readMaster(master, until: { $0.contains("Passphrase: ") })
        // The prompt is written after echo is switched off, so typing now is safe.
        let typed = Array("s3cret pass\n".utf8)
        #expect(write(master, typed, typed.count) == typed.count)
        try waitFor { outcome.get() != nil }
        #expect(try outcome.get()?.get() == Array("s3cret pass".utf8))
        // The newline prompt writes after the unechoed Enter (the pty turns it into "\r\n").
        shown += try readMaster(master, until: { $0.utf8.last == UInt8(ascii: "\n") })
        #expect(!shown.contains("s3cret"), "the terminal showed: \(shown.debugDescription)")

        var settings = termios()
        #expect(tcgetattr(slave, &settings) == 0)
        #expect(settings.c_lflag & tcflag_t(ECHO) != 0, "echo restored")
    }

    /// What the master side of the pty has received, read until `done` holds (5 s at most).
    private func readMaster(_ master: Int32, until done: (String) -> Bool) throws -> String {
        var received: [UInt8] = []
        let deadline = Date().addingTimeInterval(5)
        while !done(String(decoding: received, as: UTF8.self)) {
            guard Date() < deadline else { throw PromptTimeout(received: String(decoding: received, as: UTF8.self)) }
            var poller = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 100) > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 256)
            let n = read(master, &chunk, chunk.count)
            if n > 0 { received += chunk.prefix(n) }
        }
        return String(decoding: received, as: UTF8.self)
    }

    private func waitFor(_ condition: () -> Bool) throws {
        let deadline = Date().addingTimeInterval(5)
        while !condition() {
            guard Date() < deadline else { throw PromptTimeout(received: "") }
            usleep(10_000)
        }
    }
}

struct PromptTimeout: Error { let received: String }

/// The prompt thread's result, handed over under a lock.
final class PromptOutcome: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<[UInt8], any Error>?
    func set(_ value: Result<[UInt8], any Error>) { lock.withLock { result = value } }
    func get() -> Result<[UInt8], any Error>? { lock.withLock { result } }
}

/// A pseudo-terminal pair. posix_openpt, grantpt, unlockpt and ptsname are
/// not visible through the Glibc module (they need _XOPEN_SOURCE), so they
/// are looked up in the C library at run time.
struct PseudoTerminal {
    let master: Int32
    let slavePath: String

    init() throws {
        typealias OpenPT = @convention(c) (Int32) -> Int32
        typealias FDCall = @convention(c) (Int32) -> Int32
        typealias PTSName = @convention(c) (Int32) -> UnsafeMutablePointer<CChar>?
        let libc = dlopen(nil, RTLD_NOW)
        func symbol<T>(_ name: String, as type: T.Type) throws -> T {
            guard let address = dlsym(libc, name) else { throw PromptTimeout(received: "no \(name) in the C library") }
            return unsafeBitCast(address, to: type)
        }
        let fd = try symbol("posix_openpt", as: OpenPT.self)(O_RDWR | O_NOCTTY)
        guard fd >= 0 else { throw PromptTimeout(received: "posix_openpt: errno \(errno)") }
        guard try symbol("grantpt", as: FDCall.self)(fd) == 0, try symbol("unlockpt", as: FDCall.self)(fd) == 0,
              let name = try symbol("ptsname", as: PTSName.self)(fd)
        else {
            close(fd)
            throw PromptTimeout(received: "grantpt/unlockpt/ptsname: errno \(errno)")
        }
        master = fd
        slavePath = String(cString: name)
    }
}
