import CFFmpeg

extension Packet {
    /// A new reference to the same encoded data (nothing is copied): each muxer takes its own,
    /// because writing a packet hands its reference to the muxer.
    func reference() throws -> Packet {
        let copy = try Packet()
        try ffcheck(av_packet_ref(copy.pointer, pointer), "av_packet_ref")
        return copy
    }
}

extension Frame {
    /// A new reference to the same decoded picture (nothing is copied), with its own
    /// properties (timestamp, picture type) that the holder may change.
    func reference() throws -> Frame {
        let copy = try Frame()
        try ffcheck(av_frame_ref(copy.pointer, pointer), "av_frame_ref")
        return copy
    }
}
