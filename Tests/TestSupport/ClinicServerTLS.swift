/// The clinic test server's TLS identity: the same throwaway CA and
/// 127.0.0.1 certificate the secured broker uses (TestCertificates), so one
/// recipe makes every test certificate.
public typealias TestCertificateAuthority = TestCertificates

extension TestCertificates {
    public var serverCert: String { certFile }
    public var serverKey: String { keyFile }
}
