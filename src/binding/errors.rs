//! Turning core errors (and caught panics) into JavaScript `Error`s that carry a stable `code`.

use napi::{Env, JsError};

use crate::queue::QueueError;

/// Runs `f`, turning a panic into `ERR_INTERNAL` so that no panic ever crosses into C and aborts
/// the Node process.
pub fn catch_panic<T>(f: impl FnOnce() -> Result<T, QueueError>) -> Result<T, QueueError> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic".to_string());
            Err(QueueError::Internal(what))
        }
    }
}

/// The napi error that rejects a task's promise: a JS `Error` whose `code` is `err.code()`.
pub fn to_js_error(env: Env, err: &QueueError) -> napi::Error {
    let js = JsError::from(napi::Error::new(err.code(), err.to_string())).into_unknown(env);
    napi::Error::from(js)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_err_internal_with_its_message() {
        let err = catch_panic::<()>(|| panic!("boom {}", 42)).unwrap_err();
        assert_eq!(err.code(), "ERR_INTERNAL");
        assert!(err.to_string().contains("boom 42"));
        assert_eq!(catch_panic(|| Ok(7)), Ok(7));
    }
}
