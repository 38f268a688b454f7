//! One `AsyncTask` type for every native call: `compute` runs a core call on the libuv thread pool
//! (catching panics), `resolve` converts its answer on the main thread, and `reject` turns the
//! core's error into a JS `Error` carrying the error's stable `code`.

use napi::bindgen_prelude::{ToNapiValue, TypeName};
use napi::{Env, Task};

use super::errors::{catch_panic, to_js_error};
use crate::queue::QueueError;

/// The work of a task: a core call that runs on a thread-pool thread.
type Work<T> = Box<dyn FnOnce() -> Result<T, QueueError> + Send>;

/// A core call run as a napi `AsyncTask`: `T` is what the core returns, `J` what JS receives.
pub struct CoreTask<T, J> {
    work: Option<Work<T>>,
    to_js: fn(T) -> J,
    failure: Option<QueueError>,
}

impl<T, J> CoreTask<T, J> {
    /// A task that runs `work` on the thread pool and hands its result to JS through `to_js`.
    pub fn new(
        work: impl FnOnce() -> Result<T, QueueError> + Send + 'static,
        to_js: fn(T) -> J,
    ) -> Self {
        CoreTask {
            work: Some(Box::new(work)),
            to_js,
            failure: None,
        }
    }
}

impl<T: Send + 'static, J: ToNapiValue + TypeName> Task for CoreTask<T, J> {
    type Output = T;
    type JsValue = J;

    fn compute(&mut self) -> napi::Result<T> {
        let work = self.work.take();
        let result = catch_panic(move || match work {
            Some(work) => work(),
            None => Err(QueueError::Internal("task computed twice".into())),
        });
        result.map_err(|e| {
            // napi wants an error value here; `reject` swaps it for the real one.
            let placeholder = napi::Error::from_reason(e.to_string());
            self.failure = Some(e);
            placeholder
        })
    }

    fn resolve(&mut self, _env: Env, output: T) -> napi::Result<J> {
        Ok((self.to_js)(output))
    }

    fn reject(&mut self, env: Env, err: napi::Error) -> napi::Result<J> {
        match self.failure.take() {
            Some(e) => Err(to_js_error(env, &e)),
            None => Err(err),
        }
    }
}
