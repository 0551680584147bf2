package org.deepdefense.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Set;
import org.junit.jupiter.api.Test;

class PromQlTest {

    @Test
    void namesLeaveOutFunctionsLabelsStringsRangesAndKeywords() {
        assertEquals(Set.of("a_total", "b_seconds_count", "c"), PromQl.metricNames("""
                sum by (namespace, pod) (increase(a_total{outcome="failed", x=~"b|c"}[10m])) > 0
                or rate(b_seconds_count[$__rate_interval]) / on (pod) group_left c offset 15m
                unless max without (run) (a_total) == bool 1"""));
    }

    @Test
    void aMetricWhoseNameLooksLikeAFunctionPrefixIsStillFound() {
        assertEquals(Set.of("summary_x", "rate_limit"), PromQl.metricNames("summary_x + rate(rate_limit[1m])"));
    }

    @Test
    void labelValuesQueriesNameTheirMetric() {
        assertEquals(Set.of("deepdefense_training_loss"),
                PromQl.labelValuesMetric("label_values(deepdefense_training_loss, run)"));
        assertEquals(Set.of(), PromQl.labelValuesMetric("query_result(up)"));
    }
}
