/// A device's enrolment, as the gateway's registry reports it.
public enum DeviceStatus: Sendable {
    case unknown
    case revoked
    case enrolled(DeviceProfile)
}
