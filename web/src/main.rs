//! Every lab in one module, behind tabs: what `trunk serve` builds for quick rebuilds.

fn main() {
    netsplit_web::start_all();
}
