//! Prints the TypeScript of the IPC types (`cargo xtask ipc-types` writes it
//! to `ui/src/lib/ipc.ts`).

fn main() {
    print!("{}", gatecare_api::ipc_types::typescript());
}
