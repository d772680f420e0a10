//! What queueing theory predicts for a world, from MODEL.md's "What theory says": the "theory" column
//! of the app's summary table and the reference values of the engine's tests.
//!
//! The formulas assume utilization well below 1, per-client Poisson messages and random phases; a value
//! is `None` where MODEL.md gives no formula for that strategy and metric.

use crate::params::{MessagePattern, Params, Strategy};

/// Predicted steady-state values. Latencies are in microseconds, bandwidths in bytes per second.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Prediction {
    pub requests_per_s: Option<f64>,
    pub pushes_per_s: Option<f64>,
    pub empty_share: Option<f64>,
    pub latency_mean_us: Option<f64>,
    pub latency_p99_us: Option<f64>,
    pub bandwidth_in_bytes_per_s: Option<f64>,
    pub bandwidth_out_bytes_per_s: Option<f64>,
    pub open_connections: Option<f64>,
    pub connection_memory_bytes: Option<f64>,
    /// Offered load ρ: work arriving per unit of worker capacity (may exceed 1).
    pub offered_load: Option<f64>,
    /// min(ρ, 1).
    pub utilization: Option<f64>,
    /// Requests per second beyond what the workers can serve, when ρ > 1.
    pub rejected_per_s: Option<f64>,
}

/// The mean long-poll cycle in seconds: service, the round trip, and the hold when nothing was pending.
///
/// E\[cycle\] = s + 2d + e^(−2λd)·(1 − e^(−λτ))/λ (the hold term tends to τ as λ → 0).
pub fn long_poll_cycle_s(params: &Params) -> f64 {
    let s = params.service.as_secs_f64();
    let d = params.latency.as_secs_f64();
    let tau = params.hold_timeout.as_secs_f64();
    let lambda = params.message_rate;
    let hold = if lambda == 0.0 {
        tau
    } else {
        libm::exp(-2.0 * lambda * d) * (1.0 - libm::exp(-lambda * tau)) / lambda
    };
    s + 2.0 * d + hold
}

/// The Pollaczek–Khinchine mean wait in queue of an M/D/1 server: ρ·s ÷ (2(1 − ρ)), in seconds.
pub fn md1_mean_wait_s(rho: f64, service_s: f64) -> f64 {
    rho * service_s / (2.0 * (1.0 - rho))
}

/// MODEL.md's predictions for `strategy` under `params`.
///
/// ```
/// use pollstream_engine::{theory, Params, Strategy};
/// let p = theory::predict(&Params::default(), Strategy::Polling);
/// assert_eq!(p.requests_per_s, Some(1000.0)); // N / T = 1,000 clients / 1 s
/// ```
pub fn predict(params: &Params, strategy: Strategy) -> Prediction {
    let n = params.n_clients as f64;
    let t = params.poll_interval.as_secs_f64();
    let d_us = params.latency.as_micros() as f64;
    let lambda = params.message_rate;
    let header = params.header_bytes as f64;
    let message = params.message_bytes as f64;
    let frame = params.frame_bytes as f64;
    let c = params.n_workers as f64;
    let s = params.service.as_secs_f64();
    let push_s = params.push_service.as_secs_f64();
    // Messages per second summed over clients: per-client N·λ; broadcast λ to each of N clients.
    let deliveries_per_s = n * lambda;
    let per_client = params.pattern == MessagePattern::PerClient;

    let mut p = Prediction::default();
    match strategy {
        Strategy::Polling => {
            let requests = n / t;
            p.requests_per_s = Some(requests);
            p.pushes_per_s = Some(0.0);
            p.empty_share = Some(libm::exp(-lambda * t));
            p.latency_mean_us = Some(t * 1e6 / 2.0 + d_us);
            p.latency_p99_us = Some(0.99 * t * 1e6 + d_us);
            p.bandwidth_in_bytes_per_s = Some(requests * header / 2.0);
            p.bandwidth_out_bytes_per_s =
                Some(requests * header / 2.0 + deliveries_per_s * message);
        }
        Strategy::Streaming => {
            let heartbeats = if params.heartbeat.is_zero() {
                0.0
            } else {
                n / params.heartbeat.as_secs_f64()
            };
            p.pushes_per_s = Some(deliveries_per_s + heartbeats);
            p.latency_mean_us = Some(params.push_service.as_micros() as f64 + d_us);
            p.open_connections = Some(n);
            p.connection_memory_bytes = Some(n * params.conn_memory_bytes as f64);
            p.bandwidth_out_bytes_per_s =
                Some(deliveries_per_s * (frame + message) + heartbeats * frame);
        }
        Strategy::LongPolling if per_client => {
            let cycle = long_poll_cycle_s(params);
            let requests = n / cycle;
            let d = d_us / 1e6;
            let hold = cycle - s - 2.0 * d;
            let mean = (hold * (s + d) + s * (s / 2.0 + d) + 2.0 * d * (2.0 * d + s)) / cycle;
            p.requests_per_s = Some(requests);
            p.pushes_per_s = Some(0.0);
            p.latency_mean_us = Some(mean * 1e6);
            p.bandwidth_in_bytes_per_s = Some(requests * header / 2.0);
            p.bandwidth_out_bytes_per_s =
                Some(requests * header / 2.0 + deliveries_per_s * message);
        }
        Strategy::LongPolling => {}
    }
    let requests = p.requests_per_s.unwrap_or(0.0);
    let rho = (requests * s + p.pushes_per_s.unwrap_or(0.0) * push_s) / c;
    if p.requests_per_s.is_some() || p.pushes_per_s.is_some() {
        p.offered_load = Some(rho);
        p.utilization = Some(rho.min(1.0));
        p.rejected_per_s = Some(if rho > 1.0 {
            (requests - c / s).max(0.0)
        } else {
            0.0
        });
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RawParams;

    #[test]
    fn long_poll_cycle_matches_the_small_lambda_limit() {
        let raw = RawParams {
            message_rate: 0.0,
            ..RawParams::default()
        };
        let p = Params::try_from(raw).unwrap();
        // s + 2d + τ = 0.002 + 0.1 + 30.
        assert!((long_poll_cycle_s(&p) - 30.102).abs() < 1e-9);
    }

    #[test]
    fn overload_predicts_the_excess_as_rejected() {
        // 100,000 requests/s against 8 / 2 ms = 4,000/s of capacity.
        let raw = RawParams {
            n_clients: 100_000,
            ..RawParams::default()
        };
        let p = predict(&Params::try_from(raw).unwrap(), Strategy::Polling);
        assert_eq!(p.utilization, Some(1.0));
        assert!((p.rejected_per_s.unwrap() - 96_000.0).abs() < 1e-6);
    }
}
