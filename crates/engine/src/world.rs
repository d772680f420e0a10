//! TEMPORARY API STUB: replaced by the real engine shortly. Signatures are final.
use crate::metrics::{LatencyHistogram, SecondStats, Totals};
use crate::params::{Params, Strategy};
use crate::time::{SimDuration, SimTime};

/// How far a call to [`World::advance`] got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Advance {
    /// Whether the world reached the requested instant (false: the event budget ran out first).
    pub reached: bool,
    /// Events processed by this call.
    pub events: u64,
}

/// The state of the server at the current instant.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Gauges {
    pub queue_len: u64,
    pub busy_workers: u64,
    pub open_connections: u64,
    pub held_requests: u64,
    pub connection_memory_bytes: u64,
    pub messages_pending: u64,
    pub server_down: bool,
}

/// Something crossing the network, for the animated view.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flight {
    pub client: u32,
    pub kind: FlightKind,
    pub depart: SimTime,
    pub arrive: SimTime,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlightKind {
    /// A poll, long-poll or connect on its way to the server.
    Request,
    /// A response that carries at least one message.
    Response,
    /// A response that carries nothing.
    EmptyResponse,
    /// A 503 or a refused connection.
    Rejection,
    /// A pushed message on an open connection.
    Push,
    /// A keep-alive frame.
    Heartbeat,
}

/// What one client is doing, for the animated view.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientState {
    Idle,
    Waiting,
    Held,
    Connected,
    Reconnecting,
    Gone,
}

pub struct World {
    params: Params,
    strategy: Strategy,
    now: SimTime,
    seconds: Vec<SecondStats>,
    hist: LatencyHistogram,
}

impl World {
    pub fn new(params: &Params, strategy: Strategy) -> World {
        World { params: params.clone(), strategy, now: SimTime::ZERO, seconds: vec![], hist: LatencyHistogram::default() }
    }
    pub fn strategy(&self) -> Strategy { self.strategy }
    pub fn params(&self) -> &Params { &self.params }
    pub fn now(&self) -> SimTime { self.now }
    pub fn advance(&mut self, until: SimTime, _max_events: u64) -> Advance {
        while self.now < until { self.now = (self.now + SimDuration::SECOND).min(until); }
        Advance { reached: true, events: 0 }
    }
    pub fn run_until(&mut self, until: SimTime) { self.advance(until, u64::MAX); }
    pub fn set_params(&mut self, params: &Params) { self.params = params.clone(); }
    pub fn restart_server(&mut self) {}
    pub fn schedule_restart(&mut self, _at: SimTime) {}
    pub fn seconds(&self) -> &[SecondStats] { &self.seconds }
    pub fn totals(&self) -> Totals { Totals::default() }
    pub fn latency_histogram(&self) -> &LatencyHistogram { &self.hist }
    pub fn gauges(&self) -> Gauges { Gauges::default() }
    pub fn events_processed(&self) -> u64 { 0 }
    pub fn set_traced_clients(&mut self, _n: u32) {}
    pub fn flights(&self) -> Vec<Flight> { vec![] }
    pub fn client_state(&self, _client: u32) -> ClientState { ClientState::Idle }
}
