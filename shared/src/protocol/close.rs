//! The one disconnect contract: why a connection ended, which WebSocket close code carries it,
//! and whether the client should come back with its resume token.
//!
//! The server sends [`ServerMsg::Disconnect`](super::ServerMsg::Disconnect) with a
//! [`DisconnectReason`] just before every close frame it writes (except after a protocol
//! version mismatch, where only the version-proof `Rejected` is sent). Clients decide from the
//! typed reason, never from the close frame's text, which is for people reading logs.

use serde::{Deserialize, Serialize};

use super::RejectReason;

/// WebSocket close codes (RFC 6455 §7.4.1) that Driftfire sends or acts on.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CloseCode(pub u16);

impl CloseCode {
    /// 1000: the purpose of the connection is fulfilled (the player left).
    pub const NORMAL: Self = Self(1000);
    /// 1001: the server (or a proxy) is going away.
    pub const GOING_AWAY: Self = Self(1001);
    /// 1002: a WebSocket protocol error.
    pub const PROTOCOL_ERROR: Self = Self(1002);
    /// 1003: a kind of data the endpoint does not accept (text frames).
    pub const UNSUPPORTED: Self = Self(1003);
    /// 1005: reserved, never sent: the peer closed without a code.
    pub const NO_STATUS: Self = Self(1005);
    /// 1006: reserved, never sent: the connection died without a close frame.
    pub const ABNORMAL: Self = Self(1006);
    /// 1007: a message whose content cannot be right (undecodable, out of range).
    pub const INVALID_PAYLOAD: Self = Self(1007);
    /// 1008: a message that breaks the rules (order, rate, timeouts).
    pub const POLICY: Self = Self(1008);
    /// 1009: a message bigger than the endpoint accepts.
    pub const TOO_BIG: Self = Self(1009);
    /// 1011: the server hit an unexpected condition.
    pub const INTERNAL_ERROR: Self = Self(1011);
    /// 1012: the service is restarting.
    pub const SERVICE_RESTART: Self = Self(1012);
    /// 1013: try again later (the server is full).
    pub const TRY_AGAIN_LATER: Self = Self(1013);
    /// 1014: a gateway's upstream failed.
    pub const BAD_GATEWAY: Self = Self(1014);

    /// Whether a close with this code, but without a typed [`DisconnectReason`] (a proxy, a
    /// restart, an older server), is worth retrying: the far end went away or is busy, rather
    /// than refusing this client.
    pub fn may_retry(self) -> bool {
        matches!(self, Self::GOING_AWAY | Self::INTERNAL_ERROR | Self::SERVICE_RESTART | Self::TRY_AGAIN_LATER | Self::BAD_GATEWAY)
    }

    /// Whether the code says "no close frame" (1005, 1006): the link just died.
    pub fn is_link_failure(self) -> bool {
        matches!(self, Self::NO_STATUS | Self::ABNORMAL)
    }
}

impl std::fmt::Display for CloseCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Why the server ended a connection. Sent as `ServerMsg::Disconnect` before the close frame;
/// [`close_code`](Self::close_code) is the frame's code and `Display` its text.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub enum DisconnectReason {
    /// The player sent `Leave`: a normal goodbye.
    Left,
    /// The server is stopping (or restarting).
    ShuttingDown,
    /// Nothing came from the client for the idle timeout, not even a Pong: the link (or a
    /// frozen tab) went quiet. The ship waits for a resume.
    IdleTimeout,
    /// A write to the client did not finish in time: it stopped reading. The ship waits for a
    /// resume.
    WriteTimeout,
    /// The room stopped sending to this connection: its outbound queue overflowed (too slow to
    /// receive updates), or the same session was resumed on another connection.
    DroppedByRoom,
    /// The Hello was refused; the same reason came in `ServerMsg::Rejected`.
    Rejected(RejectReason),
    /// The server holds its maximum number of connections.
    ServerBusy,
    /// The client's address holds its maximum number of connections.
    TooManyConnections,
    /// The client broke the protocol.
    Violation(Violation),
    /// The server's protocol Ping went unanswered while the client kept sending: it stopped
    /// reading its socket (or its link stalled). The ship waits for a resume.
    NotReading,
    /// The resume token was presented while its session is still alive on another connection
    /// that answered the server's ping: nothing is taken over. Not resumable (the token belongs
    /// to the live connection); the client may join afresh.
    SessionInUse,
    /// The room lives on another server: the `ServerMsg::Redirect` just sent says where. The
    /// client connects there at once (not a resume: a new Hello on the other server).
    Redirected,
}

/// The ways a client can break the protocol; each ends its connection (and only its own).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Violation {
    /// No Hello within the handshake timeout.
    HandshakeTimeout,
    /// The first message was neither Hello nor a room-list request.
    FirstMessageNotHello,
    /// Hello again after Welcome.
    HelloTwice,
    /// More messages than the rate limit allows.
    RateLimited,
    /// An input with a non-finite or out-of-range value.
    InputOutOfRange,
    /// A binary frame that is not a `ClientMsg` of this protocol version.
    Undecodable,
    /// A frame bigger than the server accepts.
    TooBig,
    /// A text frame: the protocol is binary.
    TextFrame,
    /// A malformed WebSocket frame.
    WebSocketProtocol,
    /// A text frame with invalid UTF-8.
    InvalidUtf8,
}

impl Violation {
    /// A short, stable snake_case name for metrics labels (`violation_rate_limited`…).
    pub fn label(self) -> &'static str {
        match self {
            Self::HandshakeTimeout => "violation_handshake_timeout",
            Self::FirstMessageNotHello => "violation_first_message_not_hello",
            Self::HelloTwice => "violation_hello_twice",
            Self::RateLimited => "violation_rate_limited",
            Self::InputOutOfRange => "violation_input_out_of_range",
            Self::Undecodable => "violation_undecodable",
            Self::TooBig => "violation_too_big",
            Self::TextFrame => "violation_text_frame",
            Self::WebSocketProtocol => "violation_websocket_protocol",
            Self::InvalidUtf8 => "violation_invalid_utf8",
        }
    }
}

impl DisconnectReason {
    /// Every reason, one of each kind (rejections and violations included), for exhaustive
    /// tests of the contract.
    pub fn examples() -> Vec<Self> {
        use Violation::*;
        // No wildcard arms: a new variant of any of the three enums fails to compile here until
        // it is added to the list below.
        let _listed_below = |reason: &Self| match reason {
            Self::Left
            | Self::ShuttingDown
            | Self::IdleTimeout
            | Self::WriteTimeout
            | Self::DroppedByRoom
            | Self::ServerBusy
            | Self::TooManyConnections
            | Self::NotReading
            | Self::SessionInUse
            | Self::Redirected => (),
            Self::Rejected(
                RejectReason::VersionMismatch { .. }
                | RejectReason::ServerFull
                | RejectReason::InvalidName
                | RejectReason::RoomFull
                | RejectReason::RoomNotFound
                | RejectReason::BadRoomCode
                | RejectReason::TooManyRooms
                | RejectReason::MixedScripts,
            ) => (),
            Self::Violation(
                HandshakeTimeout | FirstMessageNotHello | HelloTwice | RateLimited | InputOutOfRange | Undecodable | TooBig | TextFrame
                | WebSocketProtocol | InvalidUtf8,
            ) => (),
        };
        let mut all = vec![
            Self::Left,
            Self::ShuttingDown,
            Self::IdleTimeout,
            Self::WriteTimeout,
            Self::DroppedByRoom,
            Self::ServerBusy,
            Self::TooManyConnections,
            Self::NotReading,
            Self::SessionInUse,
            Self::Redirected,
        ];
        all.extend(
            [
                RejectReason::VersionMismatch { server: 2, client: 1 },
                RejectReason::ServerFull,
                RejectReason::InvalidName,
                RejectReason::RoomFull,
                RejectReason::RoomNotFound,
                RejectReason::BadRoomCode,
                RejectReason::TooManyRooms,
                RejectReason::MixedScripts,
            ]
            .map(Self::Rejected),
        );
        all.extend(
            [
                HandshakeTimeout,
                FirstMessageNotHello,
                HelloTwice,
                RateLimited,
                InputOutOfRange,
                Undecodable,
                TooBig,
                TextFrame,
                WebSocketProtocol,
                InvalidUtf8,
            ]
            .map(Self::Violation),
        );
        all
    }

    /// A short, stable snake_case name for metrics labels and logs (`rejected_room_full`,
    /// `violation_rate_limited`…); one per kind, never the prose of [`Display`](std::fmt::Display).
    pub fn label(&self) -> &'static str {
        match self {
            Self::Left => "left",
            Self::ShuttingDown => "shutting_down",
            Self::IdleTimeout => "idle_timeout",
            Self::WriteTimeout => "write_timeout",
            Self::DroppedByRoom => "dropped_by_room",
            Self::ServerBusy => "server_busy",
            Self::TooManyConnections => "too_many_connections",
            Self::NotReading => "not_reading",
            Self::SessionInUse => "session_in_use",
            Self::Redirected => "redirected",
            Self::Rejected(reason) => match reason {
                RejectReason::VersionMismatch { .. } => "rejected_version_mismatch",
                RejectReason::ServerFull => "rejected_server_full",
                RejectReason::InvalidName => "rejected_invalid_name",
                RejectReason::RoomFull => "rejected_room_full",
                RejectReason::RoomNotFound => "rejected_room_not_found",
                RejectReason::BadRoomCode => "rejected_bad_room_code",
                RejectReason::TooManyRooms => "rejected_too_many_rooms",
                RejectReason::MixedScripts => "rejected_mixed_scripts",
            },
            Self::Violation(violation) => violation.label(),
        }
    }

    /// The close frame's code.
    pub fn close_code(&self) -> CloseCode {
        match self {
            Self::Left | Self::Redirected => CloseCode::NORMAL,
            Self::ShuttingDown => CloseCode::GOING_AWAY,
            Self::IdleTimeout
            | Self::WriteTimeout
            | Self::NotReading
            | Self::DroppedByRoom
            | Self::TooManyConnections
            | Self::SessionInUse => CloseCode::POLICY,
            Self::Rejected(RejectReason::ServerFull) | Self::ServerBusy => CloseCode::TRY_AGAIN_LATER,
            Self::Rejected(_) => CloseCode::POLICY,
            Self::Violation(violation) => violation.close_code(),
        }
    }

    /// Whether the client should reconnect by itself and present its resume token: the link
    /// went quiet or stalled (nothing wrong with the player), or the server had no free
    /// connection slot at that moment. The server keeps a resumable player's ship for
    /// [`RESUME_WINDOW_SECS`](super::RESUME_WINDOW_SECS). Everything else ends the game on the
    /// Disconnected screen with its reason and a Retry button: a goodbye, a refusal, a broken
    /// rule, and a shutdown (the server says it is stopping; hammering it while it does helps
    /// nobody, and the player decides when to retry).
    pub fn may_resume(&self) -> bool {
        match self {
            Self::IdleTimeout | Self::WriteTimeout | Self::NotReading | Self::ServerBusy => true,
            Self::Left
            | Self::ShuttingDown
            | Self::DroppedByRoom
            | Self::Rejected(_)
            | Self::TooManyConnections
            | Self::Violation(_)
            | Self::SessionInUse
            | Self::Redirected => false,
        }
    }
}

impl Violation {
    /// The close code for this violation.
    pub fn close_code(self) -> CloseCode {
        match self {
            Self::TooBig => CloseCode::TOO_BIG,
            Self::WebSocketProtocol => CloseCode::PROTOCOL_ERROR,
            Self::TextFrame => CloseCode::UNSUPPORTED,
            Self::InputOutOfRange | Self::Undecodable | Self::InvalidUtf8 => CloseCode::INVALID_PAYLOAD,
            Self::HandshakeTimeout | Self::FirstMessageNotHello | Self::HelloTwice | Self::RateLimited => CloseCode::POLICY,
        }
    }
}

impl std::fmt::Display for DisconnectReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Left => f.write_str("goodbye"),
            Self::ShuttingDown => f.write_str("server shutting down"),
            Self::IdleTimeout => f.write_str("idle timeout: no traffic from the client"),
            Self::WriteTimeout => f.write_str("write timeout: the client stopped reading"),
            Self::DroppedByRoom => f.write_str("too slow to receive updates, or the session resumed elsewhere"),
            Self::Rejected(reason) => reason.fmt(f),
            Self::ServerBusy => f.write_str("server is at its connection limit, try again later"),
            Self::TooManyConnections => f.write_str("too many connections from your address"),
            Self::Violation(violation) => violation.fmt(f),
            Self::NotReading => f.write_str("ping unanswered: the client stopped reading"),
            Self::SessionInUse => f.write_str("that session is still connected elsewhere"),
            Self::Redirected => f.write_str("the room is on another server: follow the redirect"),
        }
    }
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::HandshakeTimeout => "handshake timeout: no Hello",
            Self::FirstMessageNotHello => "first message must be Hello",
            Self::HelloTwice => "Hello sent twice",
            Self::RateLimited => "rate limit exceeded: too many messages",
            Self::InputOutOfRange => "input out of range",
            Self::Undecodable => "undecodable message",
            Self::TooBig => "message too big",
            Self::TextFrame => "text frames are not supported; send binary",
            Self::WebSocketProtocol => "websocket protocol error",
            Self::InvalidUtf8 => "invalid utf-8 in text frame",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_distinct_snake_case_names() {
        let labels: Vec<&str> = DisconnectReason::examples().iter().map(DisconnectReason::label).collect();
        let mut unique = labels.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), labels.len(), "two kinds share a label: {labels:?}");
        for label in labels {
            assert!(label.bytes().all(|b| b.is_ascii_lowercase() || b == b'_' || b.is_ascii_digit()), "{label}");
        }
    }

    #[test]
    fn close_texts_fit_a_close_frame() {
        // A close frame's reason is at most 123 bytes (125 minus the code).
        for reason in DisconnectReason::examples() {
            assert!(reason.to_string().len() <= 123, "{reason:?}");
            assert!(!reason.to_string().is_empty(), "{reason:?}");
        }
    }

    #[test]
    fn resumable_reasons_are_link_or_capacity_failures_never_refusals() {
        for reason in DisconnectReason::examples() {
            let code = reason.close_code();
            assert!(!code.is_link_failure(), "{reason:?} must not use a reserved code");
            if reason.may_resume() {
                // A resumable ending is never a normal goodbye nor a protocol violation.
                assert!(!matches!(reason, DisconnectReason::Left | DisconnectReason::Violation(_)), "{reason:?}");
            }
            if matches!(reason, DisconnectReason::Violation(_) | DisconnectReason::Left | DisconnectReason::TooManyConnections) {
                assert!(!reason.may_resume(), "{reason:?}");
            }
        }
        assert!(DisconnectReason::IdleTimeout.may_resume());
        assert!(DisconnectReason::WriteTimeout.may_resume());
        assert!(DisconnectReason::ServerBusy.may_resume());
        assert!(DisconnectReason::NotReading.may_resume());
        assert!(!DisconnectReason::SessionInUse.may_resume(), "the token belongs to the live connection");
        assert!(!DisconnectReason::ShuttingDown.may_resume());
        for reason in DisconnectReason::examples() {
            if let DisconnectReason::Rejected(_) = reason {
                assert!(!reason.may_resume(), "a refused Hello ends on the Disconnected screen: {reason:?}");
            }
        }
    }

    #[test]
    fn codes_without_a_reason_retry_only_when_the_far_end_went_away_or_is_busy() {
        for code in [1001, 1011, 1012, 1013, 1014] {
            assert!(CloseCode(code).may_retry(), "{code}");
        }
        for code in [1000, 1002, 1003, 1007, 1008, 1009] {
            assert!(!CloseCode(code).may_retry(), "{code}");
        }
    }
}
