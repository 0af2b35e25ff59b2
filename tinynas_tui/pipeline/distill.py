"""Knowledge distillation of a student from a frozen teacher, and the teacher-entropy curriculum.

Both models end in a softmax, so they output probabilities. The distillation term needs logits
divided by a temperature; ``log(p + eps)`` is used as the logits, since ``softmax(log p / T)`` equals
``softmax(z / T)`` for any logits ``z`` with ``softmax(z) = p`` (the two differ by a constant per row).
The reference notebook applied ``softmax(p / T)`` to probabilities instead, which squashes every
distribution towards uniform and makes the distillation term almost constant: a bug, fixed here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinynas_tui.pipeline.models import adam

# Added before the log so a probability that underflowed to 0 gives a large finite logit, not -inf.
_LOG_EPS = 1e-7
_ENTROPY_EPS = 1e-10


def _distiller_class() -> type:
    """Defines the ``Distiller`` model class (inside a function: tf_keras must be imported lazily)."""
    import tensorflow as tf
    import tf_keras as keras

    class Distiller(keras.Model):
        """Trains ``student`` on ``alpha * CE + (1 - alpha) * T^2 * KL(teacher_T || student_T)``.

        ``fit`` takes ``x`` and either integer labels ``y`` (the teacher runs on each batch) or a pair
        ``(y, teacher_probabilities)`` computed once beforehand. Only the student's variables are
        updated; the teacher always runs with ``training=False`` (dropout off, BN statistics frozen).
        """

        def __init__(self, student: Any, teacher: Any, alpha: float, temperature: float) -> None:
            super().__init__()
            self.student = student
            self.teacher = teacher
            self.alpha = float(alpha)
            self.temperature = float(temperature)
            self.loss_tracker = keras.metrics.Mean(name="loss")
            self.student_loss_tracker = keras.metrics.Mean(name="student_loss")
            self.distillation_loss_tracker = keras.metrics.Mean(name="distillation_loss")
            self.accuracy = keras.metrics.SparseCategoricalAccuracy(name="accuracy")
            self.ce = keras.losses.SparseCategoricalCrossentropy()

        @property
        def metrics(self) -> list:
            # Listed here so Keras resets them at each epoch.
            return [self.loss_tracker, self.student_loss_tracker, self.distillation_loss_tracker, self.accuracy]

        def call(self, inputs: Any, training: bool = False) -> Any:
            return self.student(inputs, training=training)

        def losses_for(self, y: Any, teacher_probs: Any, student_probs: Any) -> tuple[Any, Any, Any]:
            """(total, student CE, T^2-scaled KL) for one batch, each a scalar batch mean."""
            t = self.temperature
            student_loss = self.ce(y, student_probs)
            # log_softmax(log p / T): the tempered distributions, in log space for stability.
            log_teacher = tf.nn.log_softmax(tf.math.log(teacher_probs + _LOG_EPS) / t, axis=-1)
            log_student = tf.nn.log_softmax(tf.math.log(student_probs + _LOG_EPS) / t, axis=-1)
            kl = tf.reduce_sum(tf.exp(log_teacher) * (log_teacher - log_student), axis=-1)
            # T^2 keeps the soft-target gradients on the same scale as the hard-label ones (Hinton et al.).
            distillation_loss = tf.reduce_mean(kl) * (t * t)
            loss = self.alpha * student_loss + (1.0 - self.alpha) * distillation_loss
            return loss, student_loss, distillation_loss

        def _unpack(self, data: Any) -> tuple[Any, Any, Any]:
            x, y = data[0], data[1]
            if isinstance(y, (tuple, list)):
                y, teacher_probs = y
            else:
                teacher_probs = self.teacher(x, training=False)
            return x, y, tf.stop_gradient(tf.cast(teacher_probs, tf.float32))

        def train_step(self, data: Any) -> dict:
            x, y, teacher_probs = self._unpack(data)
            with tf.GradientTape() as tape:
                student_probs = self.student(x, training=True)
                loss, student_loss, distillation_loss = self.losses_for(y, teacher_probs, student_probs)
            variables = self.student.trainable_variables
            self.optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
            return self._update(y, student_probs, loss, student_loss, distillation_loss)

        def test_step(self, data: Any) -> dict:
            x, y, teacher_probs = self._unpack(data)
            student_probs = self.student(x, training=False)
            return self._update(y, student_probs, *self.losses_for(y, teacher_probs, student_probs))

        def _update(self, y: Any, student_probs: Any, loss: Any, student_loss: Any, distillation_loss: Any) -> dict:
            self.loss_tracker.update_state(loss)
            self.student_loss_tracker.update_state(student_loss)
            self.distillation_loss_tracker.update_state(distillation_loss)
            self.accuracy.update_state(y, student_probs)
            return {m.name: m.result() for m in self.metrics}

    return Distiller


def make_distiller(student: Any, teacher: Any, *, alpha: float = 0.1, temperature: float = 3.0) -> Any:
    """A ``Distiller`` (uncompiled) wrapping ``student`` and ``teacher``; see :func:`distill`."""
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha}")
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    if student.output_shape[-1] != teacher.output_shape[-1]:
        raise ValueError(
            f"student has {student.output_shape[-1]} outputs but teacher has {teacher.output_shape[-1]}"
        )
    return _distiller_class()(student, teacher, alpha, temperature)


def distill(
    student: Any,
    teacher: Any,
    x: Any,
    y: np.ndarray | None,
    *,
    alpha: float = 0.1,
    temperature: float = 3.0,
    epochs: int = 10,
    batch_size: int = 32,
    learning_rate: float = 1e-3,
    shuffle: bool = True,
    callbacks: list | None = None,
    validation_data: tuple[np.ndarray, np.ndarray] | None = None,
) -> Any:
    """Trains ``student`` in place by knowledge distillation from ``teacher``.

    ``loss = alpha * CE(y, student) + (1 - alpha) * T^2 * KL(softmax(log p_t / T) || softmax(log p_s / T))``
    with ``p_t``, ``p_s`` the two models' softmax outputs. The defaults (alpha 0.1, T = 3, 10 epochs,
    Adam 1e-3) are the reference notebook's. On arrays, the teacher's probabilities are computed once,
    before training: it runs with ``training=False`` and the data is not augmented, so per-batch calls
    would recompute the same numbers every epoch. On a ``tf.data`` pipeline (augmented batches) the
    teacher runs on each batch, as it must see the images the student sees.

    Training stops at the first NaN loss (``TerminateOnNaN``); check ``history.history["loss"]``.

    Args:
        student: A built tf_keras model ending in softmax; its weights are updated.
        teacher: A tf_keras model ending in softmax, with as many outputs as the student.
        x: Inputs, shape (N, ...), or a ``tf.data`` pipeline of (inputs, integer labels) batches.
        y: Integer class indices, shape (N,); None when ``x`` is a pipeline.
        alpha: Weight of the hard-label cross-entropy; ``1 - alpha`` weighs the distillation term.
        temperature: Softening temperature T (> 0).
        epochs: Training epochs.
        batch_size: Batch size.
        learning_rate: Adam learning rate.
        shuffle: Shuffle each epoch; pass False to keep a curriculum order (see :func:`entropy_order`).
            Unused for a pipeline, which shuffles (or not) itself.
        callbacks: Extra Keras callbacks (their ``model`` is the Distiller; logs have ``loss``,
            ``student_loss``, ``distillation_loss`` and ``accuracy``; with validation data, ``val_`` ones).
        validation_data: ``(x_val, y_val)`` to evaluate after each epoch (for early stopping); the
            teacher's probabilities on it are computed once.

    Returns:
        The Keras ``History`` of the Distiller's fit.
    """
    import tf_keras as keras

    distiller = make_distiller(student, teacher, alpha=alpha, temperature=temperature)
    distiller.compile(optimizer=adam(learning_rate))
    def with_teacher(inputs: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.asarray(labels), teacher.predict(inputs, batch_size=256, verbose=0).astype(np.float32)

    if y is None:  # a pipeline of batches: the teacher runs on each
        data: dict[str, Any] = {"x": x}
    else:
        data = {"x": x, "y": with_teacher(x, y), "batch_size": int(batch_size), "shuffle": bool(shuffle)}
    if validation_data is not None:
        data["validation_data"] = (validation_data[0], with_teacher(*validation_data))
    return distiller.fit(
        **data,
        epochs=int(epochs),
        verbose=0,
        callbacks=[keras.callbacks.TerminateOnNaN(), *(callbacks or [])],
    )


def entropy_order(teacher: Any, x: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Indices ordering ``x`` from the teacher's most confident prediction to its least (curriculum).

    Args:
        teacher: A tf_keras model ending in softmax.
        x: Inputs, shape (N, ...).
        batch_size: Prediction batch size.

    Returns:
        An int64 permutation of ``range(N)`` sorting the prediction entropies ascending; ties keep
        their original order (stable sort), so the curriculum is deterministic.
    """
    probs = np.asarray(teacher.predict(x, batch_size=batch_size, verbose=0), dtype=np.float64)
    entropies = -np.sum(probs * np.log(probs + _ENTROPY_EPS), axis=1)
    return np.argsort(entropies, kind="stable").astype(np.int64)
