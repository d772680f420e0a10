//! What a world reports: a latency histogram, one record per simulated second, and run totals.

use crate::time::SimDuration;

/// Sub-buckets per power of two: a bucket is at most 1/128 of its lower bound wide, so the value reported
/// for a bucket (its midpoint) is within 0.4 % of every value in it, inside MODEL.md's 1 %.
const SUB_BUCKET_BITS: u32 = 7;
const SUB_BUCKETS: u64 = 1 << SUB_BUCKET_BITS;
/// Values up to 2^32 µs (about 71 minutes) are bucketed exactly; larger ones share the last bucket, and
/// the exact maximum is kept apart.
const MAX_EXPONENT: u32 = 32;
const N_BUCKETS: usize = ((MAX_EXPONENT - SUB_BUCKET_BITS + 1) as usize + 1) * SUB_BUCKETS as usize;

/// A histogram of latencies in microseconds with at most 1 % relative error from 1 µs to 1 h.
///
/// Log-linear buckets, as in HdrHistogram: values below 128 µs are exact, and each power of two above is
/// split into 128 equal buckets. Percentiles use the nearest rank and are clamped to the exact minimum and
/// maximum, so a reported percentile never lies outside what was observed.
///
/// ```
/// use pollstream_engine::LatencyHistogram;
/// let mut h = LatencyHistogram::default();
/// for us in 1..=1000 {
///     h.record(us);
/// }
/// assert_eq!(h.count(), 1000);
/// let p50 = h.percentile(0.5) as f64;
/// assert!((p50 - 500.0).abs() / 500.0 < 0.01);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct LatencyHistogram {
    counts: Vec<u64>,
    count: u64,
    sum: u128,
    min: u64,
    max: u64,
}

impl Default for LatencyHistogram {
    fn default() -> Self {
        LatencyHistogram {
            counts: vec![0; N_BUCKETS],
            count: 0,
            sum: 0,
            min: u64::MAX,
            max: 0,
        }
    }
}

fn bucket_of(value: u64) -> usize {
    if value < SUB_BUCKETS {
        return value as usize;
    }
    let exponent = 63 - value.leading_zeros(); // value >= 2^exponent
    if exponent > MAX_EXPONENT {
        return N_BUCKETS - 1;
    }
    let shift = exponent - SUB_BUCKET_BITS;
    let sub = (value >> shift) - SUB_BUCKETS; // 0..SUB_BUCKETS
    ((shift as u64 + 1) * SUB_BUCKETS + sub) as usize
}

/// The lowest value and the width of bucket `index`.
fn bucket_bounds(index: usize) -> (u64, u64) {
    let index = index as u64;
    if index < SUB_BUCKETS {
        return (index, 1);
    }
    let shift = index / SUB_BUCKETS - 1;
    let sub = index % SUB_BUCKETS;
    ((SUB_BUCKETS + sub) << shift, 1 << shift)
}

impl LatencyHistogram {
    /// Records one latency of `micros` microseconds.
    #[inline]
    pub fn record(&mut self, micros: u64) {
        self.record_n(micros, 1);
    }

    /// Records `n` latencies of `micros` microseconds each.
    #[inline]
    pub fn record_n(&mut self, micros: u64, n: u64) {
        if n == 0 {
            return;
        }
        self.counts[bucket_of(micros)] += n;
        self.count += n;
        self.sum += micros as u128 * n as u128;
        self.min = self.min.min(micros);
        self.max = self.max.max(micros);
    }

    /// Adds every latency recorded in `other`.
    pub fn merge(&mut self, other: &LatencyHistogram) {
        for (mine, theirs) in self.counts.iter_mut().zip(&other.counts) {
            *mine += theirs;
        }
        self.count += other.count;
        self.sum += other.sum;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }

    /// Forgets everything recorded.
    pub fn clear(&mut self) {
        if self.count > 0 {
            self.counts.iter_mut().for_each(|c| *c = 0);
        }
        *self = LatencyHistogram {
            counts: std::mem::take(&mut self.counts),
            ..Default::default()
        };
    }

    /// How many latencies were recorded.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The exact mean in microseconds, or 0 when empty.
    pub fn mean(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.sum as f64 / self.count as f64
        }
    }

    /// The exact smallest latency, or 0 when empty.
    pub fn min(&self) -> u64 {
        if self.count == 0 {
            0
        } else {
            self.min
        }
    }

    /// The exact largest latency, or 0 when empty.
    pub fn max(&self) -> u64 {
        self.max
    }

    /// The latency at quantile `q` (0..=1) by nearest rank, within 1 % (0 when empty).
    pub fn percentile(&self, q: f64) -> u64 {
        if self.count == 0 {
            return 0;
        }
        let q = if q.is_nan() { 0.5 } else { q.clamp(0.0, 1.0) };
        let rank = ((q * self.count as f64).ceil() as u64).clamp(1, self.count);
        let mut seen = 0;
        for (index, &n) in self.counts.iter().enumerate() {
            seen += n;
            if seen >= rank {
                let (low, width) = bucket_bounds(index);
                return (low + width / 2).clamp(self.min, self.max);
            }
        }
        self.max
    }

    /// The summary that reports and charts show.
    pub fn summary(&self) -> LatencySummary {
        LatencySummary {
            count: self.count,
            p50: self.percentile(0.5),
            p90: self.percentile(0.9),
            p99: self.percentile(0.99),
            p999: self.percentile(0.999),
            max: self.max,
            mean: self.mean(),
        }
    }

    /// The cumulative distribution as (latency µs, share of messages at or below it), one point per
    /// non-empty bucket, for drawing a CDF.
    pub fn cdf(&self) -> Vec<(u64, f64)> {
        let mut points = Vec::new();
        let mut seen = 0u64;
        for (index, &n) in self.counts.iter().enumerate() {
            if n > 0 {
                seen += n;
                let (low, width) = bucket_bounds(index);
                let value = (low + width.saturating_sub(1)).clamp(self.min, self.max);
                points.push((value, seen as f64 / self.count as f64));
            }
        }
        points
    }
}

/// Percentiles and moments of a set of latencies, in microseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LatencySummary {
    /// How many messages were delivered.
    pub count: u64,
    pub p50: u64,
    pub p90: u64,
    pub p99: u64,
    pub p999: u64,
    pub max: u64,
    pub mean: f64,
}

/// What happened in one whole second of simulated time, [k s, (k+1) s).
///
/// Counts are events in that second; `queue_len`, `open_connections` and `messages_pending` are the state
/// at its end.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SecondStats {
    /// Which second (k).
    pub second: u64,
    /// Requests arriving at the server, rejected and refused ones included.
    pub requests: u64,
    /// Messages and heartbeats written to open connections.
    pub pushes: u64,
    /// Heartbeats among the pushes.
    pub heartbeats: u64,
    /// Answered polls and long-polls (not connects, not 503s).
    pub answered: u64,
    /// Answered polls and long-polls that carried no message.
    pub empty_responses: u64,
    /// Requests refused with 503 or while the server was down.
    pub rejected: u64,
    /// Busy worker time, µs.
    pub busy_us: u64,
    /// Worker capacity, µs (workers × 1 s, unless the worker count changed during the second).
    pub capacity_us: u64,
    /// Work waiting for a worker at the end of the second.
    pub queue_len: u64,
    /// Streaming connections open plus long-poll requests held, at the end of the second.
    pub open_connections: u64,
    /// Server memory of those connections, bytes.
    pub connection_memory_bytes: u64,
    /// Bytes received by the server.
    pub bytes_in: u64,
    /// Bytes sent by the server.
    pub bytes_out: u64,
    /// Messages created (a broadcast message counts once per recipient).
    pub messages_created: u64,
    /// Messages that reached their client.
    pub messages_delivered: u64,
    /// Messages created but not yet delivered, at the end of the second.
    pub messages_pending: u64,
    /// Latency of the messages delivered in this second.
    pub latency: LatencySummary,
}

impl SecondStats {
    /// Busy worker time ÷ capacity, 0..1.
    pub fn utilization(&self) -> f64 {
        if self.capacity_us == 0 {
            0.0
        } else {
            self.busy_us as f64 / self.capacity_us as f64
        }
    }

    /// Share of answered polls and long-polls that carried nothing, 0..1 (0 when none were answered).
    pub fn empty_share(&self) -> f64 {
        share(self.empty_responses, self.answered)
    }
}

fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// Everything counted since the start of the run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Totals {
    /// Simulated time covered.
    pub elapsed: SimDuration,
    /// Requests sent by clients (some may still be on their way).
    pub requests_sent: u64,
    /// Requests that arrived at the server, rejected and refused ones included.
    pub requests: u64,
    /// Requests answered by a worker: polls, long-polls and connects.
    pub requests_answered: u64,
    /// Answered polls and long-polls (connect responses are not counted).
    pub answered: u64,
    /// Answered polls and long-polls that carried no message.
    pub empty_responses: u64,
    /// Requests refused with 503 or while the server was down.
    pub rejected: u64,
    /// Of those, refused because the server was down.
    pub refused_while_down: u64,
    /// Requests dropped by a server restart (queued, in service or held).
    pub dropped_by_restart: u64,
    /// Messages and heartbeats written to open connections.
    pub pushes: u64,
    /// Heartbeats among the pushes.
    pub heartbeats: u64,
    /// Busy worker time, µs.
    pub busy_us: u64,
    /// Worker capacity over the run, µs.
    pub capacity_us: u64,
    /// The longest the queue has been.
    pub max_queue: u64,
    /// The most connections open at once (streaming connections plus held long-polls).
    pub max_open_connections: u64,
    /// Bytes received by the server.
    pub bytes_in: u64,
    /// Bytes sent by the server.
    pub bytes_out: u64,
    /// Messages created, once per recipient.
    pub messages_created: u64,
    /// Distinct messages created (equal to `messages_created` for per-client messages).
    pub messages_created_distinct: u64,
    /// Messages that reached their client.
    pub messages_delivered: u64,
    /// Messages of clients that left (the client count was lowered) before they were delivered.
    pub messages_abandoned: u64,
    /// Server restarts so far.
    pub restarts: u64,
    /// Latency of every delivered message.
    pub latency: LatencySummary,
}

impl Totals {
    /// Messages created but not yet delivered (nor abandoned).
    pub fn messages_pending(&self) -> u64 {
        self.messages_created - self.messages_delivered - self.messages_abandoned
    }
    /// Busy worker time ÷ capacity over the run, 0..1.
    pub fn utilization(&self) -> f64 {
        share(self.busy_us, self.capacity_us)
    }
    /// Share of answered polls and long-polls that carried nothing.
    pub fn empty_share(&self) -> f64 {
        share(self.empty_responses, self.answered)
    }
    /// Mean requests per simulated second.
    pub fn requests_per_s(&self) -> f64 {
        self.per_second(self.requests)
    }
    /// Mean pushes per simulated second.
    pub fn pushes_per_s(&self) -> f64 {
        self.per_second(self.pushes)
    }
    /// Mean rejections per simulated second.
    pub fn rejected_per_s(&self) -> f64 {
        self.per_second(self.rejected)
    }
    /// `count` divided by the elapsed simulated seconds (0 before any time has passed).
    pub fn per_second(&self, count: u64) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs == 0.0 {
            0.0
        } else {
            count as f64 / secs
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_cover_their_values_with_under_one_percent_error() {
        let mut value = 1u64;
        while value < 3_600_000_000 {
            let (low, width) = bucket_bounds(bucket_of(value));
            assert!(
                low <= value && value < low + width,
                "{value} not in [{low}, {low}+{width})"
            );
            let mid = (low + width / 2) as f64;
            assert!(
                (mid - value as f64).abs() / value as f64 <= 0.01,
                "{value}: mid {mid}"
            );
            value = value * 101 / 100 + 1;
        }
    }

    #[test]
    fn percentiles_use_nearest_rank_and_stay_within_observed_values() {
        let mut h = LatencyHistogram::default();
        h.record_n(50_000, 99);
        h.record(1_000_000);
        let near = |got: u64, want: f64| (got as f64 - want).abs() / want <= 0.01;
        assert!(near(h.percentile(0.5), 50_000.0), "{}", h.percentile(0.5));
        assert!(
            near(h.percentile(0.99), 50_000.0),
            "rank 99 of 100 is still 50 ms"
        );
        assert_eq!(
            h.percentile(0.999),
            1_000_000,
            "clamped to the exact maximum"
        );
        assert_eq!(h.min(), 50_000);
        assert_eq!(h.max(), 1_000_000);
        assert!((h.mean() - 59_500.0).abs() < 1e-9);
        let cdf = h.cdf();
        assert_eq!(cdf.last().unwrap().1, 1.0);
    }

    #[test]
    fn huge_values_are_kept_exactly_as_the_maximum() {
        let mut h = LatencyHistogram::default();
        h.record(u64::MAX / 2);
        assert_eq!(h.max(), u64::MAX / 2);
        assert_eq!(h.percentile(0.5), u64::MAX / 2);
    }

    #[test]
    fn clear_and_merge() {
        let mut a = LatencyHistogram::default();
        let mut b = LatencyHistogram::default();
        a.record(10);
        b.record(20);
        a.merge(&b);
        assert_eq!(a.count(), 2);
        a.clear();
        assert_eq!(a, LatencyHistogram::default());
    }
}
