package dev.orgctl.regen;

import java.util.Map;

/**
 * A template written as a value in {@code orgctl.yaml} (a pull request's title, say): the same
 * language as the files under {@code templates/}, with errors that name the config file, the line
 * of the key and the key, like every other error in that file.
 */
public record ConfigTemplate(String file, int line, String key, Template template) {

    static ConfigTemplate parse(String file, int line, String key, String source) {
        try {
            return new ConfigTemplate(file, line, key, Template.parse(file, source));
        } catch (TemplateException e) {
            throw new TemplateException(file, line, key + ": " + e.detail());
        }
    }

    /** Renders with {@code values}; an unknown variable is an error naming this key. */
    public String render(Map<String, Object> values) {
        try {
            return template.render(values);
        } catch (TemplateException e) {
            throw new TemplateException(file, line, key + ": " + e.detail());
        }
    }
}
