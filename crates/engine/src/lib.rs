//! The simulation engine of pollstream: one server and N clients on a discrete clock, for polling, long
//! polling and streaming. See `docs/model.md` for what is modelled and `../shared/MODEL.md` for the
//! specification this implements.
//!
//! ```
//! use pollstream_engine::{Params, SimTime, Strategy, World};
//! let mut world = World::new(&Params::default(), Strategy::Polling);
//! world.run_until(SimTime::from_secs(5));
//! let totals = world.totals();
//! assert!(totals.requests > 0);
//! ```

mod blocks;
pub mod csv;
pub mod format;
mod holds;
mod messages;
pub mod metrics;
pub mod number;
pub mod params;
mod queue;
mod rng;
mod runs;
mod streams;
pub mod theory;
pub mod time;
pub mod world;

pub use metrics::{LatencyHistogram, LatencySummary, SecondStats, Totals};
pub use params::{
    MessagePattern, ParamError, ParamKey, ParamProblem, Params, Range, RawParams, ReconnectPolicy,
    Strategy,
};
pub use theory::Prediction;
pub use time::{SimDuration, SimTime};
pub use world::{Advance, Audit, ClientState, Flight, FlightKind, Gauges, World};
