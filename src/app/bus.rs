//! A value published from outside Yew (the animation-frame loop) that components subscribe to, so that
//! only the components that show it re-render when it changes.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use yew::prelude::*;

use super::perf;

/// The latest value and who wants to hear of the next one.
pub struct Bus<T> {
    latest: RefCell<Rc<T>>,
    subscribers: RefCell<Vec<(u64, Callback<Rc<T>>)>>,
    next_id: Cell<u64>,
}

impl<T> Bus<T> {
    pub fn new(initial: T) -> Bus<T> {
        Bus {
            latest: RefCell::new(Rc::new(initial)),
            subscribers: RefCell::default(),
            next_id: Cell::new(0),
        }
    }

    pub fn latest(&self) -> Rc<T> {
        self.latest.borrow().clone()
    }

    /// Stores `value` and hands it to every subscriber.
    /// Yew re-renders the subscribers in a microtask: [`perf`] times that too.
    pub fn publish(&self, value: Rc<T>) {
        let start = perf::now_ms();
        *self.latest.borrow_mut() = value.clone();
        // Clone the list first: a subscriber may subscribe or unsubscribe while being told.
        let subscribers = self.subscribers.borrow().clone();
        for (_, callback) in subscribers {
            callback.emit(value.clone());
        }
        perf::render_from(start);
    }

    pub fn subscribe(&self, callback: Callback<Rc<T>>) -> u64 {
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        self.subscribers.borrow_mut().push((id, callback));
        id
    }

    pub fn unsubscribe(&self, id: u64) {
        self.subscribers.borrow_mut().retain(|(i, _)| *i != id);
    }
}

/// `Rc<Bus>` props compare by identity.
pub struct BusHandle<T>(pub Rc<Bus<T>>);

impl<T> Clone for BusHandle<T> {
    fn clone(&self) -> Self {
        BusHandle(self.0.clone())
    }
}

impl<T> PartialEq for BusHandle<T> {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// The latest value on `bus`; the component re-renders whenever a new one is published.
#[hook]
pub fn use_bus<T: 'static>(bus: BusHandle<T>) -> Rc<T> {
    let value = {
        let bus = bus.clone();
        use_state(move || bus.0.latest())
    };
    {
        let setter = value.setter();
        use_effect_with(bus, move |bus| {
            let bus = bus.0.clone();
            // Catch up with anything published between the first render and now.
            setter.set(bus.latest());
            let id = bus.subscribe(Callback::from(move |v| setter.set(v)));
            move || bus.unsubscribe(id)
        });
    }
    (*value).clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscribers_hear_every_publication_until_they_leave() {
        let bus = Bus::new(0);
        let heard = Rc::new(RefCell::new(Vec::new()));
        let log = heard.clone();
        let id = bus.subscribe(Callback::from(move |v: Rc<i32>| log.borrow_mut().push(*v)));
        bus.publish(Rc::new(1));
        bus.unsubscribe(id);
        bus.publish(Rc::new(2));
        assert_eq!(*heard.borrow(), [1]);
        assert_eq!(*bus.latest(), 2);
    }
}
