//! The Transactions lab's page: a module holding that lab alone.

fn main() {
    netsplit_web::start(&netsplit_web::labs::TRANSACTIONS);
}
