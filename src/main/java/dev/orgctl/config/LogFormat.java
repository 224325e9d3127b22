package dev.orgctl.config;

/** One line per event: key=value text for people, JSON for machines. */
public enum LogFormat {
    TEXT, JSON
}
