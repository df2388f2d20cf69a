// Renders the evaluation report and the cross-domain matrix (evaluation_protocol.h) as
// Markdown for people, CSV and JSON for programs.
//  - Markdown: 4 decimals; one table per protocol, each under a one-line caption saying what
//    the threshold was tuned on (protocol_caption); names have '|' escaped.
//  - CSV (RFC 4180 quoting) and JSON: full precision (%.17g in CSV, nlohmann's round-trip
//    format in JSON).
//  - A NaN value (the ratio when the mean negative score is 0) is "nan" in Markdown and CSV,
//    null in JSON. A value that does not exist (the threshold of a sample-weighted row, the
//    threshold-dependent values of an unavailable honest row) is "per domain" / "n/a" in
//    Markdown, an empty cell in CSV, null in JSON.
#pragma once

#include <string>  // std::string

#include "train/evaluation_protocol.h"  // EvaluationReport, CrossDomainMatrix, Protocol

namespace moe::train {

// The one-line caption above the protocol's Markdown table (also in the JSON).
std::string protocol_caption(Protocol protocol);

// "### Paper protocol", its caption and table, then the same for the honest protocol. Columns:
// eval set, F1max (paper) or F1 (honest), precision, recall, threshold, ROC-AUC, pos/neg ratio,
// pairs; rows: the domains in input order, All (sample-weighted), All (pooled).
std::string render_markdown(const EvaluationReport& report);

// A header line, then one line per (protocol, row): the paper's rows first, then the honest
// ones, each in Markdown order. Columns: protocol, kind, domain, available, pairs, positives,
// threshold_tuned_on, tuned_on_pairs, f1, precision, recall, threshold, roc_auc,
// mean_positive, mean_negative, positive_negative_ratio.
std::string render_csv(const EvaluationReport& report);

// {"all_definitions": {...}, "protocols": {"paper": P, "honest": P}} where P = {"caption",
// "domains_without_valid", "rows": [one object per row with the CSV's columns as keys]}.
std::string render_json(const EvaluationReport& report, int indent = 2);

// The one-line caption above the cross-domain Markdown table (also in the JSON).
std::string cross_domain_caption();

// The caption, then a table with one row per model domain and one column per eval domain;
// each cell is "F1max (ROC-AUC)".
std::string render_markdown(const CrossDomainMatrix& matrix);

// A header line, then one line per cell in row-major order. Columns: model_domain,
// eval_domain, pairs, positives, f1max, precision, recall, threshold, roc_auc, mean_positive,
// mean_negative, positive_negative_ratio.
std::string render_csv(const CrossDomainMatrix& matrix);

// {"caption", "model_domains", "eval_domains", "cells": [row-major, the CSV's columns as keys]}.
std::string render_json(const CrossDomainMatrix& matrix, int indent = 2);

}  // namespace moe::train
