package org.deepdefense.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import org.deepdefense.nn.Parameter;
import org.deepdefense.nn.Scope;

/**
 * Parseval networks' orthonormality constraint (Cisse et al. 2017), applied after each SGD step: every linear and
 * convolution weight, seen as a matrix W of shape (out, in·kh·kw), takes one retraction step
 * W ← (1+β)W − βWWᵀW towards the Stiefel manifold. BatchNorm scales and biases are vectors and are left alone.
 */
final class ParsevalRetraction {
    private final double beta;

    ParsevalRetraction(double beta) {
        if (!(beta > 0 && beta < 1)) {
            throw new IllegalArgumentException("Parseval beta must be in (0, 1), got " + beta);
        }
        this.beta = beta;
    }

    /** Retracts every weight matrix in place; temporaries go to {@code step}. */
    void apply(List<Parameter> parameters, NDManager step) {
        for (Parameter p : parameters) {
            if (!isWeightMatrix(p)) {
                continue;
            }
            NDArray w = Scope.own(p.value().reshape(p.value().getShape().get(0), -1), step);
            // W + β(W − WWᵀW): the step's array comes first, so every product lands in the step's manager.
            NDArray gram = w.matMul(w.transpose());
            NDArray change = w.sub(gram.matMul(w)).mul((float) beta);
            p.value().addi(change.reshape(p.value().getShape()));
        }
    }

    static boolean isWeightMatrix(Parameter p) {
        return p.trainable() && p.name().endsWith(".weight") && p.value().getShape().dimension() >= 2;
    }
}
