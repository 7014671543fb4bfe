import { IxError } from '@ix/core';

/** A chat template that cannot be parsed or rendered (including the template's own raise_exception). */
export class ChatTemplateError extends IxError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CHAT_TEMPLATE', message, options);
  }
}

/** The model ships no chat template and none was given. */
export class ChatTemplateMissingError extends ChatTemplateError {
  constructor(model: string) {
    super(`${model} has no chat template; pass one explicitly (a Jinja template string)`);
  }
}
