//! pollstream in the browser: the app shell ([`app`]), its charts ([`charts`]) and the animated view of
//! the clients and the server ([`animation`]). The simulation itself is the `pollstream-engine` crate.

mod animation;
mod app;
mod charts;

fn main() {
    yew::Renderer::<app::App>::new().render();
}
